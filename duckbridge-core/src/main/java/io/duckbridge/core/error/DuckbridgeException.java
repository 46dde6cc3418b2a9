package io.duckbridge.core.error;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.LoggerFactory;

/**
 * The one unchecked exception of Duckbridge. It carries an {@link ErrorClass} that callers (and the
 * HTTP layer) use to decide what to do; the message names the input and, where there is one, the fix.
 */
public class DuckbridgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorClass errorClass;
    private final Integer position;
    private final Duration retryAfter;

    public DuckbridgeException(ErrorClass errorClass, String message) {
        this(errorClass, message, null, null);
    }

    public DuckbridgeException(ErrorClass errorClass, String message, Throwable cause) {
        this(errorClass, message, cause, null);
    }

    /**
     * @param position the zero-based character offset in the SQL text that the error refers to, or null
     */
    public DuckbridgeException(ErrorClass errorClass, String message, Throwable cause, Integer position) {
        this(errorClass, message, cause, position, null);
    }

    /**
     * @param retryAfter when a retry can succeed at the earliest (e.g. when an open circuit breaker lets a trial
     *     call through), or null when unknown
     */
    public DuckbridgeException(
            ErrorClass errorClass, String message, Throwable cause, Integer position, Duration retryAfter) {
        super(message, cause);
        this.errorClass = Objects.requireNonNull(errorClass, "errorClass");
        this.position = position;
        this.retryAfter = retryAfter;
    }

    /**
     * An INTERNAL error for a failure nobody classified (a bug, a driver exception): logged here with its stack
     * trace under a new id, which the message names instead of the failure, so no Java internals reach a client.
     */
    public static DuckbridgeException unexpected(Throwable failure) {
        String id = UUID.randomUUID().toString();
        LoggerFactory.getLogger(DuckbridgeException.class).error("unexpected failure {}", id, failure);
        return new DuckbridgeException(
                ErrorClass.INTERNAL, "internal error " + id + "; the server log has the details", failure);
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    /** The character offset in the SQL text the error refers to, or null when DuckDB gave none. */
    public Integer position() {
        return position;
    }

    /**
     * When a retry can succeed at the earliest, or null when unknown: this exception's own, else the first one a
     * {@code DuckbridgeException} among its causes carries.
     */
    public Duration retryAfter() {
        for (Throwable t = this; t != null; t = t.getCause()) {
            if (t instanceof DuckbridgeException d && d.retryAfter != null) {
                return d.retryAfter;
            }
        }
        return null;
    }

    /** Returns a copy with {@code context} put in front of the message, keeping class and position. */
    public DuckbridgeException withContext(String context) {
        return new DuckbridgeException(errorClass, context + ": " + getMessage(), this, position, retryAfter);
    }
}
