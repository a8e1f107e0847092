package dev.chat.shared.problem;

import java.util.List;

import org.springframework.http.HttpStatus;

/** An error the client caused or must know about, answered as problem+json with {@code code}. */
public class ChatException extends RuntimeException {

    private final HttpStatus status;
    private final String code;
    private final transient List<Problem.FieldError> errors;

    public ChatException(HttpStatus status, String code, String detail) {
        this(status, code, detail, List.of());
    }

    public ChatException(HttpStatus status, String code, String detail, List<Problem.FieldError> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.errors = List.copyOf(errors);
    }

    public static ChatException badRequest(String code, String detail) {
        return new ChatException(HttpStatus.BAD_REQUEST, code, detail);
    }

    public static ChatException invalidField(String code, String field, String message) {
        return new ChatException(HttpStatus.BAD_REQUEST, code, message, List.of(new Problem.FieldError(field, message)));
    }

    public static ChatException notFound(String code, String detail) {
        return new ChatException(HttpStatus.NOT_FOUND, code, detail);
    }

    public static ChatException forbidden(String code, String detail) {
        return new ChatException(HttpStatus.FORBIDDEN, code, detail);
    }

    public static ChatException conflict(String code, String detail) {
        return new ChatException(HttpStatus.CONFLICT, code, detail);
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<Problem.FieldError> errors() {
        return errors;
    }
}
