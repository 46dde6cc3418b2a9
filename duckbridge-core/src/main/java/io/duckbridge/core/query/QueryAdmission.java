package io.duckbridge.core.query;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Bounds how many user queries run at once, with a bounded queue in front. The running limit is a
 * Resilience4j {@link Bulkhead} (fair, waiting at most {@code maxWait} for a slot), so its state is in the
 * {@code resilience4j_bulkhead_*} meters; in front of it, a query beyond {@code maxConcurrent} running and
 * {@code maxQueued} waiting is refused at once. Both refusals are an {@link Overloaded} exception (HTTP 429
 * with {@code Retry-After}). Thread-safe.
 */
public final class QueryAdmission {
    /** The name of the bulkhead (its {@code name} tag in the meters). */
    public static final String BULKHEAD = "query";

    private final Bulkhead bulkhead;
    private final int maxConcurrent;
    private final int maxQueued;
    /** Queries admitted and not finished: running or waiting for a slot. */
    private final AtomicInteger inside = new AtomicInteger();

    public QueryAdmission(int maxConcurrent, int maxQueued, Duration maxWait) {
        this(Bulkhead.of(BULKHEAD, config(maxConcurrent, maxQueued, maxWait)), maxQueued);
    }

    /** Uses {@code bulkhead} (for example one made by a registry with meters) for the running limit. */
    public QueryAdmission(Bulkhead bulkhead, int maxQueued) {
        if (maxQueued < 0) {
            throw invalid();
        }
        this.bulkhead = bulkhead;
        this.maxConcurrent = bulkhead.getBulkheadConfig().getMaxConcurrentCalls();
        this.maxQueued = maxQueued;
    }

    /** The bulkhead settings for these limits; fails with INVALID_REQUEST naming the settings when wrong. */
    public static BulkheadConfig config(int maxConcurrent, int maxQueued, Duration maxWait) {
        if (maxConcurrent < 1 || maxQueued < 0 || maxWait == null || maxWait.isNegative()) {
            throw invalid();
        }
        return BulkheadConfig.custom()
                .maxConcurrentCalls(maxConcurrent)
                .maxWaitDuration(maxWait)
                .fairCallHandlingStrategyEnabled(true)
                .build();
    }

    private static DuckbridgeException invalid() {
        return new DuckbridgeException(
                ErrorClass.INVALID_REQUEST,
                "duckbridge.query.max-concurrent must be at least 1, max-queued and max-queue-wait not negative;"
                        + " use e.g. 8, 32 and 2s");
    }

    public Bulkhead bulkhead() {
        return bulkhead;
    }

    /** Queries running now. */
    public int running() {
        return maxConcurrent - bulkhead.getMetrics().getAvailableConcurrentCalls();
    }

    /** Queries waiting for a slot now. */
    public int waiting() {
        return Math.max(0, inside.get() - running());
    }

    /** Runs {@code body} once admitted. */
    public <T> T admit(Supplier<T> body) {
        if (inside.incrementAndGet() > maxConcurrent + maxQueued) {
            inside.decrementAndGet();
            throw new Overloaded("too many queries: all slots are busy and the queue is full; retry later");
        }
        try {
            try {
                bulkhead.acquirePermission();
            } catch (BulkheadFullException e) {
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new DuckbridgeException(
                            ErrorClass.CANCELLED, "interrupted while waiting for a query slot", e);
                }
                throw new Overloaded("too many queries: waited "
                        + bulkhead.getBulkheadConfig().getMaxWaitDuration().toMillis() + " ms for a slot");
            }
            try {
                return body.get();
            } finally {
                bulkhead.onComplete();
            }
        } finally {
            inside.decrementAndGet();
        }
    }

    /** The query was refused because the service is at its concurrency limit. */
    public static final class Overloaded extends DuckbridgeException {
        private static final long serialVersionUID = 1L;

        Overloaded(String message) {
            super(ErrorClass.OVERLOADED, message);
        }
    }
}
