package dev.chat.notification.device;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** SQL for {@code notification.devices}. */
@Repository
public class DeviceStore {

    private static final String COLUMNS = "token, user_id, platform, app_id, environment, created_at, last_badge";

    private final DatabaseClient db;

    DeviceStore(DatabaseClient db) {
        this.db = db;
    }

    /** The stored device, and whether this registration created it (false: the token was known, to anyone). */
    record Registered(Device device, boolean created) {
    }

    /**
     * Registers the token for the user in one statement. A token already registered is updated; if it
     * was another user's it moves to this one (registered anew: creation time now, no badge set yet).
     */
    Mono<Registered> register(String userId, DeviceValidator.Registration registration, Instant now) {
        DatabaseClient.GenericExecuteSpec spec = db.sql("""
                INSERT INTO devices AS d (token, user_id, platform, app_id, environment, created_at, updated_at)
                VALUES (:token, :user, :platform, :app, :environment, :now, :now)
                ON CONFLICT (token) DO UPDATE SET
                    user_id = EXCLUDED.user_id,
                    platform = EXCLUDED.platform,
                    app_id = EXCLUDED.app_id,
                    environment = EXCLUDED.environment,
                    created_at = CASE WHEN d.user_id = EXCLUDED.user_id THEN d.created_at ELSE EXCLUDED.created_at END,
                    last_badge = CASE WHEN d.user_id = EXCLUDED.user_id THEN d.last_badge END,
                    updated_at = EXCLUDED.updated_at
                RETURNING %s, (xmax = 0) AS inserted""".formatted(COLUMNS))
                .bind("token", registration.token())
                .bind("user", userId)
                .bind("platform", registration.platform())
                .bind("environment", registration.environment())
                .bind("now", now);
        spec = registration.appId() == null ? spec.bindNull("app", String.class) : spec.bind("app", registration.appId());
        return spec.map(row -> new Registered(device(row), Boolean.TRUE.equals(row.get("inserted", Boolean.class))))
                .one();
    }

    /** Keeps the user's {@code max} most recently registered devices and deletes the others. */
    Mono<Long> trim(String userId, int max) {
        return db.sql("""
                DELETE FROM devices WHERE token IN (
                    SELECT token FROM devices WHERE user_id = :user ORDER BY updated_at DESC, token OFFSET :max)""")
                .bind("user", userId)
                .bind("max", max)
                .fetch().rowsUpdated();
    }

    /** The user's devices, oldest registration first. */
    Flux<Device> ofUser(String userId) {
        return db.sql("SELECT " + COLUMNS + " FROM devices WHERE user_id = :user ORDER BY created_at, token")
                .bind("user", userId)
                .map(DeviceStore::device)
                .all();
    }

    /** Deletes the token if it is this user's; false if it is not registered, or someone else's. */
    Mono<Boolean> unregister(String userId, String token) {
        return db.sql("DELETE FROM devices WHERE token = :token AND user_id = :user")
                .bind("token", token)
                .bind("user", userId)
                .fetch().rowsUpdated()
                .map(n -> n > 0);
    }

    /** Every device of these users. */
    public Flux<Device> ofUsers(Collection<String> userIds) {
        if (userIds.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("SELECT " + COLUMNS + " FROM devices WHERE user_id = ANY(:users)")
                .bind("users", userIds.toArray(String[]::new))
                .map(DeviceStore::device)
                .all();
    }

    /** The device if this token is still registered to this user. */
    public Mono<Device> find(String token, String userId) {
        return db.sql("SELECT " + COLUMNS + " FROM devices WHERE token = :token AND user_id = :user")
                .bind("token", token)
                .bind("user", userId)
                .map(DeviceStore::device)
                .one();
    }

    /** A provider called these tokens invalid: they are deleted at once. */
    public Mono<Long> remove(List<String> tokens) {
        if (tokens.isEmpty()) {
            return Mono.just(0L);
        }
        return db.sql("DELETE FROM devices WHERE token = ANY(:tokens)")
                .bind("tokens", tokens.toArray(String[]::new))
                .fetch().rowsUpdated();
    }

    /** Remembers the badge each of these devices now shows. */
    public Mono<Long> badgesSet(List<String> tokens, List<Integer> badges) {
        if (tokens.isEmpty()) {
            return Mono.just(0L);
        }
        return db.sql("""
                UPDATE devices d SET last_badge = b.badge
                FROM unnest(:tokens::text[], :badges::integer[]) AS b(token, badge) WHERE d.token = b.token""")
                .bind("tokens", tokens.toArray(String[]::new))
                .bind("badges", badges.toArray(Integer[]::new))
                .fetch().rowsUpdated();
    }

    static Device device(Readable row) {
        return new Device(row.get("token", String.class), row.get("user_id", String.class),
                row.get("platform", String.class), row.get("app_id", String.class),
                row.get("environment", String.class), row.get("created_at", Instant.class),
                row.get("last_badge", Integer.class));
    }
}
