package io.duckbridge.core.source;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.resilience.BreakerAndRetry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * How {@link PostgresSource} opens connections: a retry with exponential backoff inside a circuit breaker
 * (Resilience4j). Only connection failures — SQLSTATE class {@code 08} — are retried and count against the
 * breaker; a refused login ({@code 28xxx}) or any other SQLSTATE fails at once and leaves the breaker alone.
 * While the breaker is open, connecting fails immediately with SOURCE_UNAVAILABLE instead of waiting for a
 * connect timeout per call. Thread-safe.
 *
 * @param circuitBreaker the breaker, or null for none
 * @param retry the retry, or null for none
 */
public record ConnectionPolicy(CircuitBreaker circuitBreaker, Retry retry) {
    private static final ConnectionPolicy NONE = new ConnectionPolicy(null, null);

    /** SQLSTATE class 08: connection exception (PostgreSQL Appendix A, "Class 08 — Connection Exception"). */
    public static final Predicate<Throwable> CONNECTION_FAILURE = t -> t instanceof SQLException e
            && e.getSQLState() != null
            && e.getSQLState().startsWith("08");

    /** Connect once, as plain JDBC does. */
    public static ConnectionPolicy none() {
        return NONE;
    }

    /**
     * A breaker and retry named {@code name} (e.g. {@code postgres}).
     *
     * @param attempts connection attempts per call, at least 1
     * @param firstBackoff the wait before the second attempt; doubled for each further one
     * @param failureRateThreshold percent of failed calls in the window that opens the breaker
     * @param window calls the breaker looks at (and the minimum before it may open)
     * @param openFor how long the breaker stays open before letting one trial call through
     */
    public static ConnectionPolicy of(
            String name,
            int attempts,
            Duration firstBackoff,
            float failureRateThreshold,
            int window,
            Duration openFor) {
        return of(
                name,
                attempts,
                firstBackoff,
                failureRateThreshold,
                window,
                openFor,
                CircuitBreakerRegistry.ofDefaults(),
                RetryRegistry.ofDefaults());
    }

    /**
     * As {@link #of(String, int, Duration, float, int, Duration)}, with the breaker and retry created in (and
     * visible through) the given registries, e.g. for metrics and health.
     */
    public static ConnectionPolicy of(
            String name,
            int attempts,
            Duration firstBackoff,
            float failureRateThreshold,
            int window,
            Duration openFor,
            CircuitBreakerRegistry breakers,
            RetryRegistry retries) {
        BreakerAndRetry both = BreakerAndRetry.of(
                name,
                "connection",
                attempts,
                firstBackoff,
                failureRateThreshold,
                window,
                openFor,
                CONNECTION_FAILURE,
                breakers,
                retries);
        return new ConnectionPolicy(both.breaker(), both.retry());
    }

    /** Opens a connection with {@code open} under this policy; SQL failures come back unchanged. */
    Connection connect(CheckedSupplier<Connection> open, String url) throws SQLException {
        return connect(open, url, true);
    }

    /**
     * As {@link #connect(CheckedSupplier, String)}; without {@code retrying}, one attempt (still counted by, and
     * refused by, the breaker): for health checks, which must answer within a probe's timeout.
     */
    Connection connect(CheckedSupplier<Connection> open, String url, boolean retrying) throws SQLException {
        CheckedSupplier<Connection> call = open;
        if (circuitBreaker != null) {
            call = CircuitBreaker.decorateCheckedSupplier(circuitBreaker, call);
        }
        if (retry != null && retrying) {
            call = Retry.decorateCheckedSupplier(retry, call);
        }
        try {
            return call.get();
        } catch (CallNotPermittedException e) {
            throw new DuckbridgeException(
                    ErrorClass.SOURCE_UNAVAILABLE,
                    "cannot connect to PostgreSQL at " + url + ": its circuit breaker is open after repeated"
                            + " connection failures; a trial connection is let through after the open period",
                    e,
                    null,
                    BreakerAndRetry.untilTrial(circuitBreaker));
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            if (e instanceof Error error) {
                throw error;
            }
            throw new DuckbridgeException(ErrorClass.INTERNAL, "connecting to PostgreSQL failed: " + e, e);
        }
    }
}
