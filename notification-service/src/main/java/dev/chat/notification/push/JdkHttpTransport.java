package dev.chat.notification.push;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;

/**
 * google-http-client's transport over the JDK's {@link HttpClient}: pooled connections (HTTP/2 over TLS,
 * HTTP/1.1 keep-alive in plain text), and the place where {@code chat.push.fcm.endpoint} is honoured:
 * requests for {@code https://fcm.googleapis.com} go to the endpoint instead (firebase-admin has the host
 * built in). Other URLs (the OAuth token URI of the service-account file) are left as they are.
 *
 * <p>Blocking, as google-http-client is: {@link FcmPushSender} runs it on virtual threads.
 */
final class JdkHttpTransport extends HttpTransport {

    static final String FCM_BASE = "https://fcm.googleapis.com";
    /** Set by the JDK client itself; it refuses them as request headers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final HttpClient client;
    private final String endpoint;
    private final Duration defaultTimeout;

    JdkHttpTransport(String endpoint, Duration timeout) {
        this.endpoint = endpoint == null || endpoint.isBlank() ? null : stripSlash(endpoint.strip());
        this.defaultTimeout = timeout;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .version(this.endpoint != null && this.endpoint.startsWith("http:") ? HttpClient.Version.HTTP_1_1
                        : HttpClient.Version.HTTP_2)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    String rewrite(String url) {
        if (endpoint != null && (url.equals(FCM_BASE) || url.startsWith(FCM_BASE + "/"))) {
            return endpoint + url.substring(FCM_BASE.length());
        }
        return url;
    }

    @Override
    protected LowLevelHttpRequest buildRequest(String method, String url) {
        return new Request(method, rewrite(url));
    }

    @Override
    public void shutdown() {
        client.close();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private final class Request extends LowLevelHttpRequest {

        private final String method;
        private final String url;
        private final List<String[]> headers = new ArrayList<>();
        private Duration timeout = defaultTimeout;

        Request(String method, String url) {
            this.method = method;
            this.url = url;
        }

        @Override
        public void addHeader(String name, String value) {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                headers.add(new String[] { name, value });
            }
        }

        @Override
        public void setTimeout(int connectTimeout, int readTimeout) {
            if (readTimeout > 0) {
                timeout = Duration.ofMillis(readTimeout);
            }
        }

        @Override
        public LowLevelHttpResponse execute() throws IOException {
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
            if (getStreamingContent() != null) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                getStreamingContent().writeTo(out);
                body = HttpRequest.BodyPublishers.ofByteArray(out.toByteArray());
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).method(method, body);
            headers.forEach(h -> request.header(h[0], h[1]));
            if (getContentType() != null) {
                request.setHeader("Content-Type", getContentType());
            }
            if (getContentEncoding() != null) {
                request.setHeader("Content-Encoding", getContentEncoding());
            }
            try {
                return new Response(client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
            } catch (HttpTimeoutException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + url);
            }
        }
    }

    private static final class Response extends LowLevelHttpResponse {

        private final HttpResponse<InputStream> response;
        private final List<String[]> headers = new ArrayList<>();

        Response(HttpResponse<InputStream> response) {
            this.response = response;
            for (Map.Entry<String, List<String>> header : response.headers().map().entrySet()) {
                if (header.getKey().startsWith(":")) {
                    continue; // HTTP/2 pseudo headers
                }
                for (String value : header.getValue()) {
                    headers.add(new String[] { header.getKey(), value });
                }
            }
        }

        @Override
        public InputStream getContent() {
            return response.body();
        }

        @Override
        public String getContentEncoding() {
            return response.headers().firstValue("content-encoding").orElse(null);
        }

        @Override
        public long getContentLength() {
            return response.headers().firstValueAsLong("content-length").orElse(-1);
        }

        @Override
        public String getContentType() {
            return response.headers().firstValue("content-type").orElse(null);
        }

        @Override
        public String getStatusLine() {
            return "HTTP/1.1 " + response.statusCode();
        }

        @Override
        public int getStatusCode() {
            return response.statusCode();
        }

        @Override
        public String getReasonPhrase() {
            return null;
        }

        @Override
        public int getHeaderCount() {
            return headers.size();
        }

        @Override
        public String getHeaderName(int index) {
            return headers.get(index)[0];
        }

        @Override
        public String getHeaderValue(int index) {
            return headers.get(index)[1];
        }

        @Override
        public void disconnect() throws IOException {
            response.body().close();
        }
    }
}
