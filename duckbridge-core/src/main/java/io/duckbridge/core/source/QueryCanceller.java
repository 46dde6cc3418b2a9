package io.duckbridge.core.source;

import io.duckbridge.core.jobs.JobContext;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels the PostgreSQL statements running on a job's connections when the job is cancelled. A statement
 * blocked in PostgreSQL — a {@code COPY} waiting for a lock another session holds, say — keeps its thread in a
 * socket read that neither the job's interrupt nor its cancel flag reaches; pgjdbc's
 * {@link PGConnection#cancelQuery()} asks the server (on a connection of its own) to end it, and the statement
 * then fails with SQLSTATE 57014 (CANCELLED).
 *
 * <p>A cancel request reaches only the statement running when it arrives; one sent in the instant between a
 * thread's last cancel check and the start of its next statement would be lost. So, once the job is cancelled,
 * a thread of this canceller ({@code duckbridge-cancel-N}) cancels every watched connection again every
 * {@value #REPEAT_MILLIS} ms until {@link #close()} (for at most {@link #REPEAT_LIMIT}); the job's work ends on
 * the first cancel that finds a statement.
 *
 * <p>Thread-safe: connections are watched from any thread. The caller closes this canceller when the work ends
 * (idempotent); the connections stay the caller's to close.
 */
public final class QueryCanceller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueryCanceller.class);
    private static final long REPEAT_MILLIS = 250;
    private static final Duration REPEAT_LIMIT = Duration.ofMinutes(1);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Set<Connection> watched = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean started = new AtomicBoolean();
    private final JobContext.Registration registration;
    private volatile boolean closed;
    private volatile Thread repeater;

    /** Watches nothing yet; cancels what it watches when {@code context} is cancelled. */
    public QueryCanceller(JobContext context) {
        this.registration = context.onCancel(this::start);
    }

    /**
     * Cancels {@code connection}'s statements when the job is cancelled, until {@link #close()} or
     * {@link #forget}. Returns {@code connection}.
     */
    public Connection watch(Connection connection) {
        if (connection != null) {
            watched.add(connection);
        }
        return connection;
    }

    /** Stops watching {@code connection} (before it is closed or handed on). */
    public void forget(Connection connection) {
        if (connection != null) {
            watched.remove(connection);
        }
    }

    private void start() {
        if (closed || !started.compareAndSet(false, true)) {
            return;
        }
        // not on the thread that asked for the cancel (an HTTP request's): a cancel request opens a connection
        Thread t = new Thread(this::repeat, "duckbridge-cancel-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        repeater = t;
        t.start();
    }

    private void repeat() {
        long deadline = System.nanoTime() + REPEAT_LIMIT.toNanos();
        while (!closed && System.nanoTime() - deadline < 0) {
            cancelWatched();
            try {
                Thread.sleep(REPEAT_MILLIS);
            } catch (InterruptedException e) {
                // close() ends the repeats
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private synchronized void cancelWatched() {
        if (closed) {
            return;
        }
        for (Connection c : watched) {
            try {
                if (c.isClosed()) {
                    watched.remove(c);
                    continue;
                }
                c.unwrap(PGConnection.class).cancelQuery();
            } catch (SQLException | RuntimeException e) {
                // the connection broke or closed meanwhile: its statement has ended anyway
                log.debug("cancelling a PostgreSQL statement failed: {}", e.toString());
            }
        }
    }

    /** Stops watching: no statement is cancelled after this returns. Idempotent. */
    @Override
    public void close() {
        closed = true;
        registration.close();
        Thread t = repeater;
        if (t != null) {
            t.interrupt();
        }
        synchronized (this) {
            // waits for a round of cancels under way, so none reaches a statement the caller runs after this
            watched.clear();
        }
    }
}
