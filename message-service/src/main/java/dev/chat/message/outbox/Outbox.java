package dev.chat.message.outbox;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import reactor.core.publisher.Mono;

/**
 * Appends events to the outbox table. Call it inside the transaction that makes the change, so the
 * event exists exactly when the change does; then {@link OutboxRelay#signal()} after the commit.
 * Nothing here talks to Kafka.
 */
@Component
public class Outbox {

    private final DatabaseClient db;

    Outbox(DatabaseClient db) {
        this.db = db;
    }

    /** An event for {@code chat.events}, keyed by its conversation so that one partition keeps its order. */
    public Mono<Void> append(ChatEvent event) {
        return db.sql("INSERT INTO outbox (event_id, topic, event_key, payload) VALUES (:eventId, :topic, :key, :payload)")
                .bind("eventId", event.eventId())
                .bind("topic", Topics.CHAT_EVENTS)
                .bind("key", event.conversationId().toString())
                .bind("payload", ChatJson.mapper().writeValueAsString(event))
                .then();
    }
}
