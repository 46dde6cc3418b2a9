package io.duckbridge.core.jobs;

/**
 * What a running job's body sees: progress reporting and cancellation. Thread-safe: a job may report
 * progress from several worker threads.
 */
public interface JobContext {
    /** The job's id. */
    String jobId();

    /** Sets the expected total (e.g. estimated rows) and its unit ({@code rows}, {@code bytes}, {@code tables}). */
    void total(long total, String unit);

    /** Adds {@code delta} to the amount done. */
    void advance(long delta);

    /**
     * Starts the next phase of the work (an export's COPY in percent, then its publishing in bytes): the amount
     * done goes back to 0, with {@code total} of {@code unit} to do.
     */
    default void phase(long total, String unit) {
        total(total, unit);
    }

    /**
     * Shows all of the total done only once the job has succeeded: until then the amount done a snapshot shows is
     * below the total (at most 99% of it), whatever was reported; when the job succeeds it is the total. For work
     * whose last phase (a load, a swap, a commit) reports no progress of its own, so that a client polling the job
     * never reads one that is still running as complete. A context that is not a job ignores it.
     */
    default void completeOnlyOnSuccess() {}

    /** Whether the job was asked to stop; long loops check it and end by throwing CANCELLED. */
    boolean cancelRequested();

    /** Throws a CANCELLED {@link io.duckbridge.core.error.DuckbridgeException} when a cancel was requested. */
    void checkCancelled();

    /**
     * Runs {@code action} when a cancel is requested while the returned registration is open, on the thread that
     * requests it — or at once, on the calling thread, when it already was. For work that neither checks
     * {@link #cancelRequested()} nor ends on the interrupt, such as a PostgreSQL statement blocked in a socket
     * read: the action cancels it from outside. The action must be quick and must not throw; it may run more
     * than once. Closing the registration (idempotent) removes the action. A context that is never cancelled
     * ignores the action.
     */
    default Registration onCancel(Runnable action) {
        return () -> {};
    }

    /** An action registered with {@link #onCancel}; closing it removes the action. */
    @FunctionalInterface
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** A context for work that is not run as a job (tests, the CLI): counts nothing, never cancelled. */
    static JobContext none() {
        return new JobContext() {
            @Override
            public String jobId() {
                return "inline";
            }

            @Override
            public void total(long total, String unit) {}

            @Override
            public void advance(long delta) {}

            @Override
            public boolean cancelRequested() {
                return false;
            }

            @Override
            public void checkCancelled() {}
        };
    }
}
