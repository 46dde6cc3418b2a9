package io.duckbridge.core.jobs;

/**
 * A {@link JobContext} that hands every call to the job's own context: a base for contexts that add to one or two
 * calls (count what is done, hold a check) and must pass on the rest, including those a default method of
 * {@link JobContext} would otherwise swallow ({@link #completeOnlyOnSuccess()}, {@link #onCancel}). Thread-safe
 * as the context it forwards to.
 */
public abstract class ForwardingJobContext implements JobContext {
    private final JobContext job;

    protected ForwardingJobContext(JobContext job) {
        this.job = job;
    }

    /** The context calls are handed to. */
    protected final JobContext job() {
        return job;
    }

    @Override
    public String jobId() {
        return job.jobId();
    }

    @Override
    public void total(long total, String unit) {
        job.total(total, unit);
    }

    @Override
    public void advance(long delta) {
        job.advance(delta);
    }

    @Override
    public void phase(long total, String unit) {
        job.phase(total, unit);
    }

    @Override
    public void completeOnlyOnSuccess() {
        job.completeOnlyOnSuccess();
    }

    @Override
    public boolean cancelRequested() {
        return job.cancelRequested();
    }

    @Override
    public void checkCancelled() {
        job.checkCancelled();
    }

    @Override
    public Registration onCancel(Runnable action) {
        return job.onCancel(action);
    }
}
