package dev.chat.shared.problem;

import java.util.List;

/**
 * RFC 9457 problem details with the stable machine-readable {@code code} every client switches on,
 * and, for validation failures, the offending fields. Never carries a stack trace.
 */
public record Problem(String type, String title, int status, String detail, String instance, String code,
        List<FieldError> errors) {

    public static final String TYPE_PREFIX = "urn:chat:problem:";

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public static Problem of(int status, String title, String code, String detail, String instance,
            List<FieldError> errors) {
        return new Problem(TYPE_PREFIX + code, title, status, detail, instance, code, errors);
    }

    /** One invalid request field, named as the client sent it (snake_case). */
    public record FieldError(String field, String message) {
    }
}
