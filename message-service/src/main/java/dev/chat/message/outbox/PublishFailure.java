package dev.chat.message.outbox;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.springframework.kafka.KafkaException;

/**
 * Why one record could not be published, and whether trying again can help.
 *
 * <p>Permanent: the broker (or the client, before sending) refuses this record and would refuse it
 * every time: too large, not serialisable, not authorised, an invalid topic. Such a record is retried
 * a few times with backoff (an operator may be fixing an ACL) and then dead-lettered. Transient:
 * everything else, above all the broker being away and timeouts: retried for ever, never dead-lettered.
 * An unknown failure counts as transient: a record is never set aside by mistake.
 *
 * @param permanent whether the broker will refuse the record every time
 * @param reason    a short, content-free description (exception class and message) for logs and the table
 */
record PublishFailure(boolean permanent, String reason) {

    private static final int MAX_REASON_LENGTH = 500;

    static PublishFailure tooLarge(int bytes, int limit) {
        return new PublishFailure(true, "RecordTooLargeException: the record is " + bytes
                + " bytes, more than chat.kafka.max-record-bytes (" + limit + ")");
    }

    static PublishFailure timedOut(String what) {
        return new PublishFailure(false, "TimeoutException: " + what);
    }

    static PublishFailure of(Throwable error) {
        Throwable cause = unwrap(error);
        return new PublishFailure(isPermanent(cause), describe(cause));
    }

    static boolean isPermanent(Throwable cause) {
        if (cause instanceof RetriableException) {
            return false;
        }
        return cause instanceof RecordTooLargeException
                || cause instanceof RecordBatchTooLargeException
                || cause instanceof SerializationException
                || cause instanceof AuthorizationException
                || cause instanceof InvalidTopicException
                || cause instanceof UnsupportedVersionException;
    }

    /** The Kafka client's own exception, from inside spring-kafka's and the futures' wrappers. */
    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof KafkaException || t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable cause) {
        String text = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return text.length() <= MAX_REASON_LENGTH ? text : text.substring(0, MAX_REASON_LENGTH) + "...";
    }
}
