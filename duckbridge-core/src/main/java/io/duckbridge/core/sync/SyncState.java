package io.duckbridge.core.sync;

import io.duckbridge.core.schema.TableName;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last sync of one table, as stored in {@code duckbridge.sync_state}. Immutable.
 *
 * @param table the table
 * @param mode the mode that ran ({@code full} or {@code incremental})
 * @param started when it started
 * @param finished when it ended; null while running
 * @param rows rows copied by that run
 * @param bytes bytes of COPY text read by that run
 * @param watermark the highest watermark value seen (PostgreSQL text), null when none
 * @param snapshot the PostgreSQL snapshot the rows came from
 * @param status {@code running}, {@code succeeded}, {@code failed} or {@code cancelled} (the copy is then still
 *     the previous run's, whose watermark, snapshot and columns the row keeps)
 * @param error why it failed or who cancelled it, null otherwise
 * @param lossy per column, values that could not be kept exactly in the last run
 * @param columns the column signature of the DuckDB copy (name, PostgreSQL type and DuckDB type
 *     per line)
 * @param incrementalRuns incremental runs since the last key reconciliation or full sync
 * @param identity what the PostgreSQL table was when read ({@code TableIdentity} as JSON: relation OIDs,
 *     {@code relfilenode}s and column numbers), to tell a re-created, truncated or rewritten table or a
 *     re-added column at the next incremental run; null when unknown (a state written by an earlier version)
 */
public record SyncState(
        TableName table,
        String mode,
        Instant started,
        Instant finished,
        long rows,
        long bytes,
        String watermark,
        String snapshot,
        String status,
        String error,
        Map<String, Long> lossy,
        String columns,
        int incrementalRuns,
        String identity) {
    public SyncState {
        lossy = lossy == null ? Map.of() : Map.copyOf(lossy);
    }

    /** A JSON-friendly view for job results and the HTTP API. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", table.key());
        m.put("mode", mode);
        m.put("status", status);
        m.put("startedAt", started == null ? null : started.toString());
        m.put("finishedAt", finished == null ? null : finished.toString());
        m.put("rows", rows);
        m.put("bytes", bytes);
        m.put("watermark", watermark);
        m.put("snapshot", snapshot);
        m.put("error", error);
        m.put("lossy", lossy);
        return m;
    }
}
