package dev.chat.message.typing;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;

import dev.chat.message.conversation.ConversationProperties;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Typing indicators: {@code typing} signals become {@code typing.updated} events for the other
 * participants, published straight to {@code chat.events} (never stored, never through the outbox: a
 * lost one only means a missed indicator). Only transitions are published: a start (and its renewals)
 * once, then a stop, either asked for or because the start was not renewed within {@code typing-timeout}
 * (5 s): that expiry is delivered as {@code typing: false}. Large groups get no typing at all (API.md).
 *
 * <p>The sender must be a participant (checked on each start, with the audience read in the same query).
 * State is in memory, bounded by {@code max-typing}, on the instance that consumes the conversation's
 * partition of {@code chat.signals}; after a rebalance the old instance still ends what it started.
 */
@Service
public class TypingService implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TypingService.class);
    private static final Duration SWEEP = Duration.ofMillis(250);

    private final DatabaseClient db;
    private final KafkaTemplate<String, String> kafka;
    private final ConversationProperties conversations;
    private final TypingProperties properties;
    private final Map<Key, Typing> typing = new ConcurrentHashMap<>();
    private final Counter published;
    private final Counter dropped;
    private volatile Disposable sweeper;

    private record Key(UUID conversationId, String userId) {
    }

    /** Someone typing: until when, and to whom it was announced. */
    private record Typing(long untilNanos, List<Recipient> audience) {
    }

    TypingService(DatabaseClient db, KafkaTemplate<String, String> kafka, ConversationProperties conversations,
            TypingProperties properties, MeterRegistry meters) {
        this.db = db;
        this.kafka = kafka;
        this.conversations = conversations;
        this.properties = properties;
        this.published = Counter.builder("chat.typing.events").description("typing.updated published").register(meters);
        this.dropped = Counter.builder("chat.typing.dropped")
                .description("typing signals not broadcast: stale, not a participant, large group, or over max-typing")
                .register(meters);
        Gauge.builder("chat.typing.active", typing, Map::size).description("users typing now").register(meters);
    }

    /** A typing signal (on the consumer thread; blocks only for the membership query of a start). */
    public void onTyping(ChatSignal signal) {
        Key key = new Key(signal.conversationId(), signal.userId());
        boolean start = Boolean.TRUE.equals(signal.typing());
        if (signal.occurredAt() != null
                && signal.occurredAt().isBefore(Instant.now().minus(properties.typingTimeout()))) {
            dropped.increment(); // a start this old has expired already; a stop is implied
            return;
        }
        if (!start) {
            Typing was = typing.remove(key);
            if (was != null) {
                publish(key, false, was.audience());
            }
            return;
        }
        long until = System.nanoTime() + properties.typingTimeout().toNanos();
        Typing current = typing.get(key);
        if (current != null) {
            typing.put(key, new Typing(until, current.audience())); // a renewal: nothing to announce
            return;
        }
        if (typing.size() >= properties.maxTyping()) {
            dropped.increment();
            return;
        }
        List<Recipient> audience = audience(key).block(Duration.ofSeconds(10));
        if (audience == null) {
            dropped.increment();
            return;
        }
        if (typing.putIfAbsent(key, new Typing(until, audience)) == null) {
            publish(key, true, audience);
        }
    }

    /**
     * The other participants, if the user is one and the conversation is not a large group; empty
     * (null) otherwise. One query: at most threshold + 1 members are read.
     */
    private Mono<List<Recipient>> audience(Key key) {
        int threshold = conversations.largeGroupThreshold();
        return db.sql("SELECT user_id FROM participants WHERE conversation_id = :cid ORDER BY user_id LIMIT :limit")
                .bind("cid", key.conversationId())
                .bind("limit", threshold + 1)
                .map(row -> row.get("user_id", String.class))
                .all()
                .collectList()
                .flatMap(members -> members.size() > threshold || !members.contains(key.userId()) ? Mono.empty()
                        : Mono.just(members.stream().filter(m -> !m.equals(key.userId()))
                                .map(m -> new Recipient(m, false)).toList()));
    }

    private void publish(Key key, boolean isTyping, List<Recipient> audience) {
        if (audience.isEmpty()) {
            return;
        }
        ChatEvent event = ChatEvent.of(EventTypes.TYPING_UPDATED, key.conversationId(), null, audience,
                ChatJson.truncate(Instant.now()),
                Map.of("conversation_id", key.conversationId(), "user_id", key.userId(), "typing", isTyping));
        try {
            kafka.send(new ProducerRecord<>(Topics.CHAT_EVENTS, key.conversationId().toString(),
                    ChatJson.mapper().writeValueAsString(event)))
                    .whenComplete((ok, error) -> {
                        if (error != null) {
                            log.debug("typing.updated not published: {}", error.toString());
                        }
                    });
            published.increment();
        } catch (RuntimeException e) {
            log.debug("typing.updated not published: {}", e.toString());
        }
    }

    /** Ends the starts that were not renewed in time. */
    private void expire() {
        long now = System.nanoTime();
        typing.forEach((key, state) -> {
            if (now - state.untilNanos() >= 0 && typing.remove(key, state)) {
                publish(key, false, state.audience());
            }
        });
    }

    @Override
    public void start() {
        // the sweep publishes, and a send may block on metadata: on a thread that may block
        sweeper = Flux.interval(SWEEP, Schedulers.boundedElastic()).subscribe(tick -> expire());
    }

    @Override
    public void stop() {
        Disposable running = sweeper;
        if (running != null) {
            running.dispose();
        }
        // whoever was typing stops now, rather than never
        typing.forEach((key, state) -> publish(key, false, state.audience()));
        typing.clear();
    }

    @Override
    public boolean isRunning() {
        return sweeper != null && !sweeper.isDisposed();
    }
}
