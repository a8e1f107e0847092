package dev.chat.shared.problem;

/** The {@code code} values more than one service answers with. Service-specific codes live with their feature. */
public final class ErrorCodes {

    public static final String UNAUTHORIZED = "unauthorized";
    public static final String FORBIDDEN = "forbidden";
    public static final String NOT_FOUND = "not_found";
    public static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    public static final String NOT_ACCEPTABLE = "not_acceptable";
    public static final String MALFORMED_REQUEST = "malformed_request";
    public static final String VALIDATION_FAILED = "validation_failed";
    /** A JSON string with a NUL character or an unpaired surrogate (not storable, not Unicode). */
    public static final String INVALID_TEXT = "invalid_text";
    /** A query parameter or field outside its range (a limit, a negative seq). */
    public static final String INVALID_PARAMETER = "invalid_parameter";
    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    public static final String RATE_LIMITED = "rate_limited";
    public static final String BAD_GATEWAY = "bad_gateway";
    public static final String SERVICE_UNAVAILABLE = "service_unavailable";
    /** A WebSocket upgrade refused because the server holds its maximum of connections (503 + Retry-After). */
    public static final String TOO_MANY_CONNECTIONS = "too_many_connections";
    /**
     * A request refused before any work because the server holds its maximum of requests in flight (503 +
     * jittered {@code Retry-After}); nothing it asked for happened, so repeating it is safe.
     */
    public static final String OVERLOADED = "overloaded";
    public static final String GATEWAY_TIMEOUT = "gateway_timeout";
    public static final String INTERNAL_ERROR = "internal_error";

    private ErrorCodes() {
    }
}
