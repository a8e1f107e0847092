package dev.chat.message.conversation;

import com.fasterxml.jackson.annotation.JsonSetter;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.TextRules;

/**
 * {@code PATCH /api/v1/conversations/{id}}: {@code {"title"}}, merge-patch style: an absent field
 * is left as it is, {@code null} (or blank) removes the title. A class rather than a record so that
 * "absent" and "null" can be told apart.
 */
final class UpdateConversationRequest {

    private String title;
    private boolean titleGiven;

    UpdateConversationRequest() {
    }

    /**
     * Takes the raw node: a setter with a String parameter would let Jackson unwrap {@code ["x"]} into "x". A
     * node bypasses the shared String rules ({@link TextRules}), so they are applied here: a NUL or an unpaired
     * surrogate is a 400 {@code invalid_text}, as in any other field (random input found it reaching the
     * database, which refused it: a 500).
     */
    @JsonSetter("title")
    void setTitle(JsonNode title) {
        if (title != null && !title.isNull() && !title.isString()) {
            throw new IllegalArgumentException("title must be a string or null");
        }
        String text = title == null || title.isNull() ? null : title.asString();
        String problem = text == null ? null : TextRules.problem(text);
        if (problem != null) {
            throw new TextRules.InvalidTextException("text " + problem);
        }
        this.title = text;
        this.titleGiven = true;
    }

    String title() {
        return title;
    }

    boolean titleGiven() {
        return titleGiven;
    }
}
