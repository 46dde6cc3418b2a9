package io.duckbridge.core.jobs;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job that failed after doing part of its work: a job body throws it so the failed job keeps, as its
 * {@code result}, what was done (for a sync of several tables, each table's outcome) beside its error.
 */
public final class JobFailure extends DuckbridgeException {
    private static final long serialVersionUID = 1L;

    private final transient Map<String, Object> result;

    /**
     * @param result what the job did before it failed, as a successful job's result would say it
     */
    public JobFailure(ErrorClass errorClass, String message, Throwable cause, Map<String, Object> result) {
        super(errorClass, message, cause);
        this.result = Collections.unmodifiableMap(new LinkedHashMap<>(result));
    }

    /** What the job did before it failed. */
    public Map<String, Object> result() {
        return result;
    }
}
