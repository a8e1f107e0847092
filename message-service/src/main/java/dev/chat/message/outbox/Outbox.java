package dev.chat.message.outbox;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.function.UnaryOperator;

import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatTopicProperties;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ChatException;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * Appends events to the outbox table, in the transaction that makes the change they describe, so that
 * an event exists exactly when its change does. Nothing here talks to Kafka: the relay publishes
 * after the commit. Run the change with {@link #transactional}: it commits, then wakes the relay for
 * exactly the lanes the transaction wrote to.
 *
 * <p>No event is committed that the broker would refuse for its size: an event above
 * {@code chat.kafka.max-record-bytes} fails its transaction (409 {@code event_too_large}) instead of
 * becoming a dead letter. The member cap keeps every event of the contract well below that limit.
 */
@Component
public class Outbox {

    /** 409: a change whose event would be larger than the broker accepts (not reachable within the configured limits). */
    public static final String EVENT_TOO_LARGE = "event_too_large";

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final OutboxSignal relay;
    private final ChatTopicProperties topics;

    Outbox(DatabaseClient db, TransactionalOperator tx, OutboxSignal relay, ChatTopicProperties topics) {
        this.db = db;
        this.tx = tx;
        this.relay = relay;
        this.topics = topics;
    }

    /**
     * Runs {@code work} in one transaction and, once it committed, signals the relay for every lane that
     * {@link #append} wrote to inside it. Nothing is signalled when it rolls back.
     */
    public <T> Mono<T> transactional(Mono<T> work) {
        return Mono.defer(() -> {
            Lanes lanes = new Lanes();
            return tx.transactional(work)
                    .contextWrite(Context.of(Lanes.class, lanes))
                    .doOnSuccess(result -> lanes.signal(relay));
        });
    }

    /**
     * An event for {@code chat.events}, keyed by its conversation so that one partition keeps its order.
     * Inside {@link #transactional} the relay is signalled after the commit; outside of it (one
     * autocommitted insert) at once.
     */
    public Mono<Void> append(ChatEvent event) {
        return insert(event, "", "VALUES (:outboxEventId, :outboxTopic, :outboxKey, :outboxType, :outboxPayload)", spec -> spec).then();
    }

    /**
     * The change's own insert and its event in one statement (one round trip fewer on a hot path):
     * {@code insertSql} is an INSERT (it may have ON CONFLICT DO NOTHING), bound by {@code binds}; the
     * event is appended only if that insert inserted a row. True if it did.
     */
    public Mono<Boolean> appendWithInsert(String insertSql, UnaryOperator<DatabaseClient.GenericExecuteSpec> binds,
            ChatEvent event) {
        return insert(event, "WITH inserted AS (" + insertSql + " RETURNING 1) ",
                "SELECT :outboxEventId, :outboxTopic, :outboxKey, :outboxType, :outboxPayload FROM inserted", binds)
                .hasElement();
    }

    private Mono<Integer> insert(ChatEvent event, String prefix, String rows,
            UnaryOperator<DatabaseClient.GenericExecuteSpec> binds) {
        return Mono.deferContextual(context -> {
            String key = event.conversationId().toString();
            String payload = ChatJson.mapper().writeValueAsString(event);
            // three bytes per UTF-16 unit at most: the exact count is needed only near the limit
            int payloadBytes = topics.fits(key.length(), payload.length() * 3) ? payload.length() : utf8Length(payload);
            if (!topics.fits(key.length(), payloadBytes)) {
                return Mono.error(new ChatException(HttpStatus.CONFLICT, EVENT_TOO_LARGE,
                        "This change would make an event of " + payloadBytes + " bytes, more than the "
                                + topics.maxRecordBytes() + " the message bus accepts"));
            }
            Lanes lanes = context.getOrDefault(Lanes.class, null);
            DatabaseClient.GenericExecuteSpec spec = db.sql(prefix
                    + "INSERT INTO outbox (event_id, topic, event_key, event_type, payload) " + rows + " RETURNING lane")
                    // named apart from whatever the change's own insert binds
                    .bind("outboxEventId", event.eventId())
                    .bind("outboxTopic", Topics.CHAT_EVENTS)
                    .bind("outboxKey", key)
                    .bind("outboxType", event.type())
                    .bind("outboxPayload", payload);
            return binds.apply(spec)
                    .map(row -> row.get(0, Integer.class))
                    .one()
                    .doOnNext(lane -> {
                        if (lanes != null) {
                            lanes.add(lane);
                        } else {
                            relay.signal(lane);
                        }
                    });
        });
    }

    /** UTF-8 length without encoding when the string is obviously small enough. */
    static int utf8Length(String text) {
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length++;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c)) {
                length += 4;
                i++;
            } else {
                length += 3;
            }
        }
        return length;
    }

    /** The lanes one transaction appended to. */
    private static final class Lanes {
        private final BitSet lanes = new BitSet(OutboxProperties.LANES);

        synchronized void add(int lane) {
            lanes.set(lane);
        }

        synchronized void signal(OutboxSignal relay) {
            lanes.stream().forEach(relay::signal);
        }
    }
}
