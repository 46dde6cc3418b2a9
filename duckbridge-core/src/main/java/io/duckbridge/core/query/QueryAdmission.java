package io.duckbridge.core.query;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds how many user queries run at once, with a bounded queue in front: a query beyond
 * {@code maxConcurrent} running and {@code maxQueued} waiting is refused at once with a
 * {@link Overloaded} exception (HTTP 429 with {@code Retry-After}). Thread-safe.
 */
public final class QueryAdmission {
    private final int maxConcurrent;
    private final Semaphore running;
    private final int maxQueued;
    private final Duration maxWait;
    private final AtomicInteger waiting = new AtomicInteger();

    public QueryAdmission(int maxConcurrent, int maxQueued, Duration maxWait) {
        if (maxConcurrent < 1 || maxQueued < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.query.max-concurrent must be at least 1 and max-queued not negative; use e.g. 8"
                            + " and 32");
        }
        this.maxConcurrent = maxConcurrent;
        this.running = new Semaphore(maxConcurrent, true);
        this.maxQueued = maxQueued;
        this.maxWait = maxWait;
    }

    /** Queries running now. */
    public int running() {
        return maxConcurrent - running.availablePermits();
    }

    /** Queries waiting for a slot now. */
    public int waiting() {
        return waiting.get();
    }

    /** Runs {@code body} once admitted. */
    public <T> T admit(java.util.function.Supplier<T> body) {
        if (!running.tryAcquire()) {
            if (waiting.incrementAndGet() > maxQueued) {
                waiting.decrementAndGet();
                throw new Overloaded("too many queries: all slots are busy and the queue is full; retry later");
            }
            try {
                if (!running.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new Overloaded("too many queries: waited " + maxWait.toMillis() + " ms for a slot");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted while waiting for a query slot", e);
            } finally {
                waiting.decrementAndGet();
            }
        }
        try {
            return body.get();
        } finally {
            running.release();
        }
    }

    /** The query was refused because the service is at its concurrency limit. */
    public static final class Overloaded extends DuckbridgeException {
        private static final long serialVersionUID = 1L;

        Overloaded(String message) {
            super(ErrorClass.SOURCE_UNAVAILABLE, message);
        }
    }
}
