package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.resilience.BreakerAndRetry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * How {@link S3Storage} sends each request to object storage: a retry with exponential backoff inside a circuit
 * breaker (Resilience4j). Only failures that another attempt may cure are retried and count against the breaker:
 * a 5xx answer, throttling ({@code 429}, {@code SlowDown}), a request timeout, and I/O failures such as a refused
 * or reset connection. Refused credentials (403), a missing bucket or key (404) and other client errors fail at
 * once and leave the breaker alone. While the breaker is open, calls fail immediately with SOURCE_UNAVAILABLE
 * instead of waiting for a connect timeout each. Each request (a single PUT, one multipart part, a HEAD, a list)
 * is one call, so a retried part does not resend the whole file.
 *
 * <p>With a policy, the SDK's own retries are switched off ({@link S3Storage}), so every attempt is seen by the
 * breaker and the retry metrics. Thread-safe.
 *
 * @param circuitBreaker the breaker, or null for none
 * @param retry the retry, or null for none
 */
public record StoragePolicy(CircuitBreaker circuitBreaker, Retry retry) {
    private static final StoragePolicy NONE = new StoragePolicy(null, null);

    /** S3 error codes that mean "slow down" or "try again" whatever the status says. */
    private static final Set<String> RETRYABLE_CODES =
            Set.of("SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError");

    /** Whether another attempt may succeed: server errors, throttling, timeouts and I/O failures. */
    public static final Predicate<Throwable> RETRYABLE = StoragePolicy::retryable;

    /** Send each request once more only as the SDK's default retry strategy decides (no breaker). */
    public static StoragePolicy none() {
        return NONE;
    }

    /**
     * A breaker and retry named {@code name} (e.g. {@code object-storage}), created in (and visible through) the
     * given registries, e.g. for metrics and health.
     *
     * @param attempts attempts per request, at least 1
     * @param firstBackoff the wait before the second attempt; doubled for each further one
     * @param failureRateThreshold percent of failed attempts in the window that opens the breaker
     * @param window attempts the breaker looks at (and the minimum before it may open)
     * @param openFor how long the breaker stays open before letting one trial request through
     */
    public static StoragePolicy of(
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
                "object storage",
                attempts,
                firstBackoff,
                failureRateThreshold,
                window,
                openFor,
                RETRYABLE,
                breakers,
                retries);
        return new StoragePolicy(both.breaker(), both.retry());
    }

    /** Whether the SDK should keep its own retries: only when this policy retries nothing itself. */
    boolean sdkRetries() {
        return retry == null && circuitBreaker == null;
    }

    /**
     * Sends one request under this policy. Failures come back as the SDK threw them (after the last attempt), for
     * {@link S3Errors} to classify; an open breaker is a SOURCE_UNAVAILABLE {@link DuckbridgeException} naming
     * {@code endpoint}.
     */
    <T> T call(Supplier<T> request, String endpoint) {
        Supplier<T> call = request;
        if (circuitBreaker != null) {
            call = CircuitBreaker.decorateSupplier(circuitBreaker, call);
        }
        if (retry != null) {
            call = Retry.decorateSupplier(retry, call);
        }
        try {
            return call.get();
        } catch (CallNotPermittedException e) {
            throw new DuckbridgeException(
                    ErrorClass.SOURCE_UNAVAILABLE,
                    "object storage at " + endpoint + " is unavailable: its circuit breaker is open after"
                            + " repeated failures; a trial request is let through after the open period",
                    e,
                    null,
                    BreakerAndRetry.untilTrial(circuitBreaker));
        }
    }

    private static boolean retryable(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof ExecutionException
                        || t instanceof CompletionException
                        || t instanceof UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof S3Exception s3) {
            String code =
                    s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            return s3.statusCode() >= 500 || s3.statusCode() == 429 || (code != null && RETRYABLE_CODES.contains(code));
        }
        if (t instanceof ApiCallAttemptTimeoutException) {
            return true;
        }
        if (t instanceof SdkClientException) {
            // a refused, reset or timed-out connection carries the IOException; missing credentials do not
            for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
                if (c instanceof IOException) {
                    return true;
                }
            }
            return false;
        }
        return t instanceof IOException;
    }
}
