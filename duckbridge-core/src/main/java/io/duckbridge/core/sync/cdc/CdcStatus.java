package io.duckbridge.core.sync.cdc;

import java.time.Instant;
import java.util.List;

/**
 * A point-in-time view of change data capture, as served at {@code GET /api/v1/cdc}. Thread-safe (immutable).
 *
 * @param confirmedLsn the last position confirmed to PostgreSQL (everything before it is in DuckDB), or null
 * @param lagBytes WAL written by the server after {@code confirmedLsn}; -1 when unknown
 * @param lagSeconds how long ago DuckDB was last known to be current: the longer of how long the oldest
 *     received-but-unapplied change has waited and how long ago the oldest heartbeat not yet received back was
 *     sent (while not streaming: since the newest heartbeat received); so it grows while a stream delivers
 *     nothing; 0 when caught up
 * @param retainedWalBytes WAL the server keeps for the slot; -1 when unknown
 * @param lastError the last failure, or null
 */
@tools.jackson.databind.annotation.JsonNaming(
        tools.jackson.databind.PropertyNamingStrategies.LowerCamelCaseStrategy.class)
public record CdcStatus(
        CdcState state,
        String slot,
        String publication,
        String confirmedLsn,
        long lagBytes,
        double lagSeconds,
        long retainedWalBytes,
        long appliedChanges,
        long appliedTransactions,
        double changesPerSecond,
        List<TableStatus> tables,
        String lastError,
        Instant lastAppliedAt) {
    public CdcStatus {
        tables = List.copyOf(tables);
    }

    /**
     * One captured table.
     *
     * @param table the PostgreSQL {@code schema.table}
     * @param target the DuckDB {@code schema.table}
     * @param state {@code streaming}; {@code resync} or {@code resyncing} while it is copied again (after a
     *     schema change, or a transaction too big to hold); {@code failed} when it could not be copied or a change to it could not be applied
     *     (the other tables go on streaming; the next start copies it again)
     * @param lossyValues values of streamed changes that were changed to fit their DuckDB type (rounded, or
     *     NaN/infinity stored as NULL, as a sync counts them) since this process started; each column's first
     *     one is logged with the override that keeps them exactly
     * @param error why the table is {@code failed}, naming the value or change and the fix; null otherwise
     */
    @tools.jackson.databind.annotation.JsonNaming(
            tools.jackson.databind.PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    public record TableStatus(
            String table, String target, String state, long appliedChanges, long lossyValues, String error) {}
}
