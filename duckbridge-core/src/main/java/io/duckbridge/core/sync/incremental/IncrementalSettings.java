package io.duckbridge.core.sync.incremental;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Duration;

/**
 * How incremental sync finds changed and deleted rows. Immutable.
 *
 * @param watermarkColumn the column whose value grows with every change (default {@code updated_at})
 * @param overlap how far before the last watermark each run reads again, for transactions that commit
 *     after later ones (default 5 minutes); only for timestamp and date watermarks
 * @param softDeleteColumn a column marking deleted rows (non-null, or true for a boolean): such rows are
 *     removed from DuckDB; null for none
 * @param reconcileEvery run the key reconciliation (delete rows whose key is gone in PostgreSQL) every N
 *     incremental runs; 0 for never
 */
public record IncrementalSettings(
        String watermarkColumn, Duration overlap, String softDeleteColumn, int reconcileEvery) {
    public IncrementalSettings {
        if (watermarkColumn == null || watermarkColumn.isBlank()) {
            watermarkColumn = "updated_at";
        }
        if (overlap == null) {
            overlap = Duration.ofMinutes(5);
        }
        if (overlap.isNegative()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "duckbridge.sync.overlap is negative; use e.g. 5m or 0s");
        }
        if (softDeleteColumn != null && softDeleteColumn.isBlank()) {
            softDeleteColumn = null;
        }
        if (reconcileEvery < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.sync.reconcile-every is " + reconcileEvery + "; use 0 (never) or a positive count");
        }
    }

    public static IncrementalSettings defaults() {
        return new IncrementalSettings("updated_at", Duration.ofMinutes(5), null, 0);
    }
}
