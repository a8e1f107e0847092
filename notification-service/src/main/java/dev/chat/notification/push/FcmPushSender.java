package dev.chat.notification.push;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.api.core.ApiFuture;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.firebase.ErrorCode;
import com.google.firebase.FirebaseApp;
import com.google.firebase.FirebaseOptions;
import com.google.firebase.IncomingHttpResponse;
import com.google.firebase.ThreadManager;
import com.google.firebase.messaging.AndroidConfig;
import com.google.firebase.messaging.AndroidNotification;
import com.google.firebase.messaging.FirebaseMessaging;
import com.google.firebase.messaging.FirebaseMessagingException;
import com.google.firebase.messaging.Message;
import com.google.firebase.messaging.MessagingErrorCode;
import com.google.firebase.messaging.Notification;

import dev.chat.shared.json.ChatJson;
import tools.jackson.databind.JsonNode;

/**
 * Android pushes through FCM HTTP v1 with firebase-admin's async API ({@link FirebaseMessaging#sendAsync}),
 * on virtual threads (the SDK blocks while it waits), over {@link JdkHttpTransport}. The OAuth token comes
 * from the service account's {@code token_uri} and is cached and refreshed by google-auth.
 *
 * <p>firebase-admin retries HTTP 503 by itself (up to 4 times, 0.5 s doubling, or Retry-After up to 60 s;
 * it offers no way to turn that off) before it reports UNAVAILABLE; our own policy then applies on top.
 *
 * <p>An alert is {@code notification} (title, body) plus {@code data} (the keys as strings), with
 * {@code android.collapse_key} and {@code android.notification.tag} = conversation id (a newer message of the
 * conversation replaces the older one), high priority, {@code ttl}, and the badge as
 * {@code notification_count}. READ and WITHDRAW are data-only messages at normal priority with the same
 * collapse key: the app clears (or updates) that conversation's notification.
 */
final class FcmPushSender implements PushSender {

    static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    private static final AtomicInteger APPS = new AtomicInteger();

    private final FirebaseApp app;
    private final FirebaseMessaging messaging;
    private final JdkHttpTransport transport;
    private final ExecutorService executor;

    private FcmPushSender(FirebaseApp app, JdkHttpTransport transport, ExecutorService executor) {
        this.app = app;
        this.messaging = FirebaseMessaging.getInstance(app);
        this.transport = transport;
        this.executor = executor;
    }

    /** Reads the service account and sets up firebase-admin; throws if the file is unusable. */
    static FcmPushSender create(PushProperties.Fcm config) throws IOException {
        JdkHttpTransport transport = new JdkHttpTransport(config.endpoint(), config.timeout());
        GoogleCredentials credentials;
        try (InputStream in = Files.newInputStream(config.credentialsFile())) {
            credentials = GoogleCredentials.fromStream(in, () -> transport).createScoped(List.of(SCOPE));
        }
        String projectId = config.projectId() != null && !config.projectId().isBlank() ? config.projectId().strip()
                : credentials instanceof ServiceAccountCredentials sa ? sa.getProjectId() : null;
        if (projectId == null || projectId.isBlank()) {
            throw new IOException("no project id: set chat.push.fcm.project-id or use a service-account file with project_id");
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("fcm-send-", 0).factory());
        int timeoutMillis = (int) config.timeout().toMillis();
        FirebaseOptions options = FirebaseOptions.builder()
                .setCredentials(credentials)
                .setProjectId(projectId)
                .setHttpTransport(transport)
                .setThreadManager(new VirtualThreads(executor))
                .setConnectTimeout(timeoutMillis)
                .setReadTimeout(timeoutMillis)
                .build();
        FirebaseApp app = FirebaseApp.initializeApp(options, "chat-notification-" + APPS.incrementAndGet());
        return new FcmPushSender(app, transport, executor);
    }

    @Override
    public String provider() {
        return "fcm";
    }

    @Override
    public CompletableFuture<SendResult> send(PushNotification notification) {
        CompletableFuture<SendResult> result = new CompletableFuture<>();
        ApiFuture<String> sent;
        try {
            sent = messaging.sendAsync(message(notification));
        } catch (RuntimeException e) {
            result.complete(new SendResult.Failed("invalid_message"));
            return result;
        }
        sent.addListener(() -> {
            try {
                result.complete(new SendResult.Delivered(sent.get()));
            } catch (java.util.concurrent.ExecutionException e) {
                result.complete(classify(e.getCause()));
            } catch (Exception e) {
                result.complete(new SendResult.Retryable("interrupted", null));
            }
        }, Runnable::run);
        return result;
    }

    static Message message(PushNotification n) {
        Map<String, String> data = new LinkedHashMap<>();
        n.data().forEach((key, value) -> data.put(key, String.valueOf(value)));
        String conversation = n.conversationId().toString();
        long ttl = Math.max(0, Duration.between(Instant.now(), n.expiresAt()).toMillis());
        AndroidConfig.Builder android = AndroidConfig.builder()
                .setCollapseKey(conversation)
                .setTtl(ttl);
        Message.Builder message = Message.builder().setToken(n.device().token()).putAllData(data);
        if (n.kind() == PushNotification.Kind.ALERT) {
            AndroidNotification.Builder notification = AndroidNotification.builder()
                    .setTag(conversation)
                    .setSound("default");
            if (n.badge() != null) {
                notification.setNotificationCount(n.badge());
            }
            android.setPriority(AndroidConfig.Priority.HIGH).setNotification(notification.build());
            message.setNotification(Notification.builder().setTitle(n.title()).setBody(n.body()).build());
        } else {
            android.setPriority(AndroidConfig.Priority.NORMAL);
        }
        return message.setAndroidConfig(android.build()).build();
    }

    /** FCM's answer as a {@link SendResult} (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode). */
    static SendResult classify(Throwable error) {
        if (!(error instanceof FirebaseMessagingException e)) {
            return new SendResult.Retryable(error == null ? "unknown" : error.getClass().getSimpleName(), null);
        }
        MessagingErrorCode code = e.getMessagingErrorCode();
        IncomingHttpResponse response = e.getHttpResponse();
        if (code == MessagingErrorCode.UNREGISTERED) {
            return new SendResult.InvalidToken(code.name());
        }
        if (code == MessagingErrorCode.INVALID_ARGUMENT || (code == null && e.getErrorCode() == ErrorCode.INVALID_ARGUMENT)) {
            // INVALID_ARGUMENT also means a bad payload: only a token the error names makes the device go
            return tokenIsTheProblem(response) ? new SendResult.InvalidToken("INVALID_ARGUMENT")
                    : new SendResult.Failed("INVALID_ARGUMENT");
        }
        if (code == MessagingErrorCode.UNAVAILABLE || code == MessagingErrorCode.INTERNAL
                || code == MessagingErrorCode.QUOTA_EXCEEDED) {
            return new SendResult.Retryable(code.name(), retryAfter(response));
        }
        if (code != null) {
            return new SendResult.Failed(code.name()); // SENDER_ID_MISMATCH, THIRD_PARTY_AUTH_ERROR
        }
        ErrorCode platform = e.getErrorCode();
        if (response == null || platform == ErrorCode.UNAVAILABLE || platform == ErrorCode.INTERNAL
                || platform == ErrorCode.DEADLINE_EXCEEDED || platform == ErrorCode.RESOURCE_EXHAUSTED
                || platform == ErrorCode.UNKNOWN) {
            // no answer at all (connection refused, timeout) or a server-side error
            return new SendResult.Retryable(platform == null ? "UNKNOWN" : platform.name(), retryAfter(response));
        }
        return new SendResult.Failed(platform.name()); // UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND ...
    }

    /** Whether an INVALID_ARGUMENT answer is about the registration token (and not the payload). */
    static boolean tokenIsTheProblem(IncomingHttpResponse response) {
        if (response == null || response.getContent() == null) {
            return false;
        }
        try {
            JsonNode error = ChatJson.mapper().readTree(response.getContent()).path("error");
            for (JsonNode detail : error.path("details")) {
                for (JsonNode violation : detail.path("fieldViolations")) {
                    if ("message.token".equals(violation.path("field").asString(""))) {
                        return true;
                    }
                }
            }
            String text = error.path("message").asString("").toLowerCase(Locale.ROOT);
            return text.contains("registration token");
        } catch (RuntimeException notJson) {
            return false;
        }
    }

    static Duration retryAfter(IncomingHttpResponse response) {
        if (response == null || response.getHeaders() == null) {
            return null;
        }
        for (Map.Entry<String, Object> header : response.getHeaders().entrySet()) {
            if (header.getKey() != null && header.getKey().equalsIgnoreCase("retry-after")) {
                Object value = header.getValue();
                if (value instanceof List<?> list && !list.isEmpty()) {
                    value = list.get(0);
                }
                return parseRetryAfter(String.valueOf(value));
            }
        }
        return null;
    }

    /** Seconds, or an HTTP date. */
    static Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip())));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(Instant.now(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (RuntimeException notADate) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        app.delete();
        executor.shutdown();
        transport.shutdown();
    }

    /** firebase-admin's threads: our virtual-thread executor for the sends, daemon platform threads for its timers. */
    private static final class VirtualThreads extends ThreadManager {

        private final ExecutorService executor;

        VirtualThreads(ExecutorService executor) {
            this.executor = executor;
        }

        @Override
        protected ExecutorService getExecutor(FirebaseApp app) {
            return executor;
        }

        @Override
        protected void releaseExecutor(FirebaseApp app, ExecutorService executor) {
            // closed with the sender
        }

        @Override
        protected ThreadFactory getThreadFactory() {
            return Thread.ofPlatform().daemon().name("firebase-", 0).factory();
        }
    }
}
