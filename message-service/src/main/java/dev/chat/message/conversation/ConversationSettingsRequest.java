package dev.chat.message.conversation;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.annotation.JsonSetter;

import tools.jackson.databind.JsonNode;

/**
 * {@code PUT /api/v1/conversations/{id}/settings}: {@code {"muted_until"?: ts|null, "notify"?: level|null}},
 * merged: a field left out stays as it is; {@code muted_until: null} unmutes, {@code notify: null} goes
 * back to the default level. A class rather than a record so that "absent" and "null" can be told apart.
 */
final class ConversationSettingsRequest {

    private Instant mutedUntil;
    private boolean mutedUntilGiven;
    private String notify;
    private boolean notifyGiven;

    ConversationSettingsRequest() {
    }

    @JsonSetter("muted_until")
    void setMutedUntil(JsonNode value) {
        if (value != null && !value.isNull()) {
            if (!value.isString()) {
                throw new IllegalArgumentException("muted_until must be a timestamp or null");
            }
            try {
                this.mutedUntil = Instant.parse(value.asString());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("muted_until must be an ISO-8601 timestamp");
            }
        }
        this.mutedUntilGiven = true;
    }

    @JsonSetter("notify")
    void setNotify(JsonNode value) {
        if (value != null && !value.isNull() && !value.isString()) {
            throw new IllegalArgumentException("notify must be a string or null");
        }
        this.notify = value == null || value.isNull() ? null : value.asString();
        this.notifyGiven = true;
    }

    Instant mutedUntil() {
        return mutedUntil;
    }

    boolean mutedUntilGiven() {
        return mutedUntilGiven;
    }

    String notifyLevel() {
        return notify;
    }

    boolean notifyGiven() {
        return notifyGiven;
    }
}
