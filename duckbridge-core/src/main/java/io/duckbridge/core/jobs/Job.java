package io.duckbridge.core.jobs;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One long-running operation: id, kind, status, progress, result or error. Thread-safe: the body's
 * threads update progress while HTTP threads read snapshots.
 */
public final class Job implements JobContext {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Job.class);
    private final String id;
    private final JobKind kind;
    private final String description;
    private final AtomicLong done = new AtomicLong();
    private final CompletableFuture<JobSnapshot> completion = new CompletableFuture<>();
    private volatile long total = -1;
    private volatile String unit;
    private volatile JobStatus status = JobStatus.QUEUED;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;
    private volatile Map<String, Object> result;
    private volatile DuckbridgeException error;
    private volatile boolean cancelRequested;
    private volatile Future<?> execution;
    private volatile boolean completeOnlyOnSuccess;
    private final List<Runnable> cancelActions = new CopyOnWriteArrayList<>();
    private final Instant createdAt = Instant.now();

    Job(String id, JobKind kind, String description) {
        this.id = id;
        this.kind = kind;
        this.description = description;
        this.unit = kind.unit();
    }

    @Override
    public String jobId() {
        return id;
    }

    public JobKind kind() {
        return kind;
    }

    @Override
    public void total(long total, String unit) {
        this.total = total;
        this.unit = unit;
    }

    @Override
    public void advance(long delta) {
        done.addAndGet(delta);
    }

    @Override
    public synchronized void phase(long total, String unit) {
        this.total = total;
        this.unit = unit;
        done.set(0);
    }

    @Override
    public void completeOnlyOnSuccess() {
        completeOnlyOnSuccess = true;
    }

    @Override
    public boolean cancelRequested() {
        return cancelRequested;
    }

    @Override
    public void checkCancelled() {
        if (cancelRequested) {
            throw new DuckbridgeException(ErrorClass.CANCELLED, "job " + id + " was cancelled");
        }
    }

    @Override
    public Registration onCancel(Runnable action) {
        cancelActions.add(action);
        // added before the flag is read: a cancel that sets it meanwhile finds the action in the list, so the
        // action runs at least once (perhaps twice)
        if (cancelRequested) {
            runCancelAction(action);
        }
        return () -> cancelActions.remove(action);
    }

    private void runCancelAction(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.warn("a cancel action of job {} failed: {}", id, e.toString());
        }
    }

    /**
     * Asks the job to stop: a queued job ends at once, a running one at its next check, its interrupt, or
     * through the actions its body registered with {@link #onCancel} (which run on the calling thread).
     */
    public boolean cancel() {
        if (status.terminal()) {
            return false;
        }
        cancelRequested = true;
        cancelActions.forEach(this::runCancelAction);
        Future<?> f = execution;
        if (f != null) {
            f.cancel(true);
        }
        if (status == JobStatus.QUEUED) {
            finish(
                    JobStatus.CANCELLED,
                    null,
                    new DuckbridgeException(ErrorClass.CANCELLED, "job " + id + " was cancelled before it started"));
        }
        return true;
    }

    /** Completes when the job reaches a terminal state, with its final snapshot. */
    public CompletableFuture<JobSnapshot> completion() {
        return completion;
    }

    /** A consistent-enough copy for display. */
    public JobSnapshot snapshot() {
        // the status first: the progress shown then fits it, also when the job ends while this copy is taken
        JobStatus statusNow = status;
        long doneNow = done.get();
        long totalNow = total;
        // an estimated total (a sync's, from PostgreSQL's statistics) can be below what is already done:
        // then the work is at least that much, never "905,668 of 609,498 rows"
        if (totalNow >= 0 && doneNow > totalNow) {
            totalNow = doneNow;
        }
        if (completeOnlyOnSuccess && totalNow > 0) {
            doneNow = statusNow == JobStatus.SUCCEEDED
                    ? totalNow
                    // at most 99%, also for a client that rounds: its last phase is not done before it succeeded
                    : Math.min(doneNow, totalNow - (totalNow + 99) / 100);
        }
        return new JobSnapshot(
                id,
                kind,
                description,
                statusNow,
                doneNow,
                totalNow,
                unit,
                createdAt,
                startedAt,
                finishedAt,
                result,
                error);
    }

    void execution(Future<?> execution) {
        this.execution = execution;
    }

    void run(JobBody body) {
        synchronized (this) {
            if (status.terminal()) {
                return;
            }
            status = JobStatus.RUNNING;
            startedAt = Instant.now();
        }
        try {
            Map<String, Object> r = body.run(this);
            finish(JobStatus.SUCCEEDED, r == null ? Map.of() : r, null);
        } catch (DuckbridgeException e) {
            boolean cancelled = e.errorClass() == ErrorClass.CANCELLED || cancelRequested;
            finish(
                    cancelled ? JobStatus.CANCELLED : JobStatus.FAILED,
                    e instanceof JobFailure partial ? partial.result() : null,
                    // asked to stop, the work ended on the interrupt (often as an I/O error of the channel it
                    // was reading): that is the cancel, not a failure of its own
                    cancelled && e.errorClass() != ErrorClass.CANCELLED
                            ? new DuckbridgeException(ErrorClass.CANCELLED, "job " + id + " was cancelled", e)
                            : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finish(
                    JobStatus.CANCELLED,
                    null,
                    new DuckbridgeException(ErrorClass.CANCELLED, "job " + id + " was cancelled", e));
        } catch (Exception | Error e) {
            finish(
                    cancelRequested ? JobStatus.CANCELLED : JobStatus.FAILED,
                    null,
                    new DuckbridgeException(
                            cancelRequested ? ErrorClass.CANCELLED : ErrorClass.INTERNAL,
                            String.valueOf(e.getMessage()),
                            e));
        }
    }

    private synchronized void finish(JobStatus terminal, Map<String, Object> result, DuckbridgeException error) {
        if (status.terminal()) {
            return;
        }
        this.result = result;
        this.error = error;
        this.finishedAt = Instant.now();
        this.status = terminal;
        if (terminal == JobStatus.FAILED && error != null) {
            // the job's error is also in its snapshot, but a scheduled job has no caller to read it
            if (error.errorClass() == ErrorClass.INTERNAL) {
                log.warn("job {} ({}: {}) failed: {}", id, kind, description, error.getMessage(), error);
            } else {
                log.warn(
                        "job {} ({}: {}) failed: {}: {}",
                        id,
                        kind,
                        description,
                        error.errorClass(),
                        error.getMessage());
            }
        } else if (terminal == JobStatus.CANCELLED) {
            log.info("job {} ({}: {}) cancelled", id, kind, description);
        }
        completion.complete(snapshot());
    }
}
