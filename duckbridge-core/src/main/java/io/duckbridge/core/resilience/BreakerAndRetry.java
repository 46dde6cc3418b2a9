package io.duckbridge.core.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Predicate;

/**
 * The circuit breaker and retry Duckbridge puts around a remote dependency (PostgreSQL connections, object
 * storage requests): a count-based breaker that records only {@code failure}s (others pass through it
 * unrecorded) and opens at {@code failureRateThreshold} percent of {@code window} attempts, then lets one
 * trial through after {@code openFor}; inside it, a retry of {@code failure}s with exponential backoff that
 * rethrows the last failure. Immutable.
 */
public record BreakerAndRetry(CircuitBreaker breaker, Retry retry) {

    /**
     * Creates (or finds) the breaker and retry named {@code name} in the registries.
     *
     * @param what what an attempt is, for the error message (e.g. {@code connection})
     * @throws IllegalArgumentException for fewer than one attempt or a window below 1
     */
    public static BreakerAndRetry of(
            String name,
            String what,
            int attempts,
            Duration firstBackoff,
            float failureRateThreshold,
            int window,
            Duration openFor,
            Predicate<Throwable> failure,
            CircuitBreakerRegistry breakers,
            RetryRegistry retries) {
        if (attempts < 1) {
            throw new IllegalArgumentException(what + " attempts " + attempts + " must be at least 1");
        }
        if (window < 1) {
            throw new IllegalArgumentException("circuit breaker window " + window + " must be at least 1");
        }
        CircuitBreaker breaker = breakers.circuitBreaker(
                name,
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(window)
                        .minimumNumberOfCalls(window)
                        .failureRateThreshold(failureRateThreshold)
                        .waitDurationInOpenState(openFor)
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .automaticTransitionFromOpenToHalfOpenEnabled(false)
                        .recordException(failure)
                        .ignoreException(failure.negate())
                        .build());
        Retry retry = retries.retry(
                name,
                RetryConfig.custom()
                        .maxAttempts(attempts)
                        .intervalFunction(IntervalFunction.ofExponentialBackoff(firstBackoff, 2.0))
                        .retryOnException(failure)
                        .failAfterMaxAttempts(false)
                        .build());
        breaker.getEventPublisher().onStateTransition(e -> {
            if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                OPENED_AT.put(breaker, System.nanoTime());
            }
        });
        return new BreakerAndRetry(breaker, retry);
    }

    /** When each breaker last opened (System.nanoTime), for {@link #untilTrial}; weak: breakers come and go. */
    private static final Map<CircuitBreaker, Long> OPENED_AT = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * How long until {@code breaker}, open, lets a trial call through: what a client refused because of it should
     * wait before retrying. At least one second; null when the breaker is not open or was not made by {@link #of}.
     */
    public static Duration untilTrial(CircuitBreaker breaker) {
        Long opened = OPENED_AT.get(breaker);
        if (opened == null || breaker.getState() != CircuitBreaker.State.OPEN) {
            return null;
        }
        long waitMs = breaker.getCircuitBreakerConfig()
                .getWaitIntervalFunctionInOpenState()
                .apply(1);
        long leftMs = waitMs - (System.nanoTime() - opened) / 1_000_000;
        return Duration.ofSeconds(Math.max(1, (leftMs + 999) / 1000));
    }
}
