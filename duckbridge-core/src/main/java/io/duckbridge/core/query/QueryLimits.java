package io.duckbridge.core.query;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Duration;

/**
 * Limits applied to every user query.
 *
 * @param defaultTimeout timeout when the request names none (30 s)
 * @param maxTimeout the longest timeout a request may ask for (5 min)
 * @param defaultJsonMaxRows rows returned in the JSON format when the request names no {@code maxRows}
 * @param arrowBatchSize rows per Arrow record batch
 */
public record QueryLimits(Duration defaultTimeout, Duration maxTimeout, int defaultJsonMaxRows, int arrowBatchSize) {
    public QueryLimits {
        if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "duckbridge.query.default-timeout must be positive; use e.g. 30s");
        }
        if (maxTimeout == null || maxTimeout.compareTo(defaultTimeout) < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.query.max-timeout must be at least the default timeout " + defaultTimeout);
        }
        if (defaultJsonMaxRows < 1) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "duckbridge.query.default-max-rows must be at least 1; use e.g. 10000");
        }
        if (arrowBatchSize < 1) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "duckbridge.query.arrow-batch-size must be at least 1; use e.g. 65536");
        }
    }

    public static QueryLimits defaults() {
        return new QueryLimits(Duration.ofSeconds(30), Duration.ofMinutes(5), 10_000, 65_536);
    }

    /** The timeout for a request: its own (capped at the maximum) or the default. */
    public Duration timeoutFor(Duration requested) {
        if (requested == null) {
            return defaultTimeout;
        }
        if (requested.compareTo(maxTimeout) > 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "\"timeoutMs\" " + requested.toMillis() + " is above the maximum of " + maxTimeout.toMillis()
                            + " ms (duckbridge.query.max-timeout)");
        }
        return requested;
    }
}
