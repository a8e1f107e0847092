package dev.chat.message.conversation;

import com.fasterxml.jackson.annotation.JsonSetter;

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

    @JsonSetter("title")
    void setTitle(String title) {
        this.title = title;
        this.titleGiven = true;
    }

    String title() {
        return title;
    }

    boolean titleGiven() {
        return titleGiven;
    }
}
