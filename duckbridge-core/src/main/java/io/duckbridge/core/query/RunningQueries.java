package io.duckbridge.core.query;

import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The queries running now under a handle their client chose (the HTTP request id), so that another request can
 * cancel them: a client whose connection is gone, or whose user pressed Cancel, otherwise leaves its query
 * computing until its timeout. Several queries may share a handle; a cancel stops all of its caller's.
 * Thread-safe.
 */
public final class RunningQueries {
    /** How often, and for how long, a cancel is repeated until its query has ended (every 200 ms, 30 s). */
    private static final int REPEATS = 150;

    private static final long REPEAT_INTERVAL_NANOS = 200_000_000L;

    private final ConcurrentHashMap<String, Set<Entry>> byHandle = new ConcurrentHashMap<>();

    /**
     * Registers a query about to be admitted; close the entry when it has ended.
     *
     * @param handle the client's id for it
     * @param owner who started it (an API key's name), or null when callers are not identified
     */
    public Entry register(String handle, String owner) {
        Entry entry = new Entry(Objects.requireNonNull(handle, "handle"), owner);
        byHandle.compute(handle, (h, set) -> {
            Set<Entry> entries = set == null ? ConcurrentHashMap.newKeySet() : set;
            entries.add(entry);
            return entries;
        });
        return entry;
    }

    /**
     * Cancels the running queries registered under {@code handle} that {@code caller} may cancel: its own, or
     * any when {@code anyOwner}.
     *
     * @return how many were cancelled; 0 when none runs (finished, never started, or another caller's)
     */
    public int cancel(String handle, String caller, boolean anyOwner) {
        Set<Entry> entries = byHandle.get(handle);
        if (entries == null) {
            return 0;
        }
        int n = 0;
        for (Entry e : entries) {
            if (anyOwner || Objects.equals(e.owner, caller)) {
                e.cancel();
                n++;
            }
        }
        return n;
    }

    /** How many queries are registered now. */
    public int size() {
        return byHandle.values().stream().mapToInt(Set::size).sum();
    }

    /**
     * One registered query. Its DuckDB session is attached while it runs; a cancel before that stops it as
     * soon as it is attached, one after it was detached does nothing (the connection serves others by then).
     */
    public final class Entry implements AutoCloseable {
        private final String handle;
        private final String owner;
        private ReadSession session;
        private boolean cancelled;
        private boolean ended;
        private boolean repeating;

        private Entry(String handle, String owner) {
            this.handle = handle;
            this.owner = owner;
        }

        /** Attaches the session the query runs in; stops it at once when it was cancelled already. */
        synchronized void attach(ReadSession s) {
            session = s;
            if (cancelled) {
                s.cancel();
            }
        }

        /** Detaches the session: the query no longer runs in it. */
        synchronized void detach() {
            session = null;
            ended = true;
        }

        synchronized void cancel() {
            cancelled = true;
            if (session != null) {
                session.cancel();
            }
            if (!repeating && !ended) {
                // DuckDB forgets an interrupt that arrives before its query has begun to execute (between the
                // statement's creation and its start): asked again until the query has ended
                repeating = true;
                Thread.ofVirtual().name("duckbridge-query-cancel").start(this::repeatCancel);
            }
        }

        private void repeatCancel() {
            for (int i = 0; i < REPEATS; i++) {
                java.util.concurrent.locks.LockSupport.parkNanos(REPEAT_INTERVAL_NANOS);
                synchronized (this) {
                    if (ended) {
                        return;
                    }
                    if (session != null) {
                        session.cancel();
                    }
                }
            }
        }

        /** CANCELLED when the query was cancelled before it started. */
        synchronized void refuseIfCancelled() {
            if (cancelled) {
                throw new DuckbridgeException(ErrorClass.CANCELLED, "the query was cancelled before it started");
            }
        }

        @Override
        public void close() {
            synchronized (this) {
                ended = true;
            }
            byHandle.computeIfPresent(handle, (h, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
    }
}
