package dev.chat.message.conversation;

import com.fasterxml.jackson.annotation.JsonSetter;

import tools.jackson.databind.JsonNode;

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

    /** Takes the raw node: a setter with a String parameter would let Jackson unwrap {@code ["x"]} into "x". */
    @JsonSetter("title")
    void setTitle(JsonNode title) {
        if (title != null && !title.isNull() && !title.isString()) {
            throw new IllegalArgumentException("title must be a string or null");
        }
        this.title = title == null || title.isNull() ? null : title.asString();
        this.titleGiven = true;
    }

    String title() {
        return title;
    }

    boolean titleGiven() {
        return titleGiven;
    }
}
