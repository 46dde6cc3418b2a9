package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.schema.TypeMapping;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How change data capture runs. Thread-safe (immutable).
 *
 * @param slotName the logical replication slot Duckbridge creates and owns ({@code duckbridge.cdc.slot-name})
 * @param publicationName the publication Duckbridge creates for the tables ({@code duckbridge.cdc.publication-name})
 * @param tables {@code schema.table} names to capture; empty means every user table of the database
 * @param heartbeatInterval how often a heartbeat message is written so the slot advances on an idle database
 * @param maxBatchChanges how many changes at most one DuckDB transaction applies (whole PostgreSQL
 *     transactions are never split)
 * @param lagThreshold lag above which the health of CDC is reported as degraded
 * @param recreateSlotOnLoss whether a slot that was dropped or invalidated underneath is created again,
 *     with a new initial snapshot of every table; otherwise CDC stops in state {@code FAILED}
 * @param mapping how PostgreSQL types are stored in DuckDB: the sync feature's mapping, with its numeric
 *     overrides, so a table captured by CDC has the same DuckDB types as one synced by snapshot; null for the
 *     default mapping
 * @param selector which of the database's tables are captured when {@code tables} is empty: the sync feature's
 *     include/exclude globs ({@code duckbridge.sync.include}/{@code .exclude}), so CDC never streams a table
 *     the sync leaves out; null for every user table
 * @param maxTransactionBytes how much of one PostgreSQL transaction's changes to a table are held in memory
 *     until its commit arrives; beyond it the tables it changes most are copied again from a snapshot taken
 *     after the commit instead ({@code duckbridge.cdc.max-transaction-size}); 0 for an eighth of the heap
 */
public record CdcSettings(
        String slotName,
        String publicationName,
        List<String> tables,
        Duration heartbeatInterval,
        int maxBatchChanges,
        Duration lagThreshold,
        boolean recreateSlotOnLoss,
        TypeMapping mapping,
        TableSelector selector,
        long maxTransactionBytes) {
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern PUBLICATION_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    public CdcSettings {
        if (slotName == null || !SLOT_NAME.matcher(slotName).matches()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.cdc.slot-name \"" + slotName
                            + "\" is not a replication slot name; use up to 63 lower-case letters, digits or _");
        }
        if (publicationName == null
                || !PUBLICATION_NAME.matcher(publicationName).matches()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.cdc.publication-name \"" + publicationName
                            + "\" is not a publication name; use up to 63 letters, digits or _");
        }
        tables = List.copyOf(tables == null ? List.of() : tables);
        for (String table : tables) {
            SourceTable.parseName(table);
        }
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.cdc.heartbeat-interval " + heartbeatInterval + " must be positive, e.g. 10s");
        }
        if (maxBatchChanges < 1) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.cdc.max-batch-changes " + maxBatchChanges + " must be at least 1, e.g. 50000");
        }
        Objects.requireNonNull(lagThreshold, "lagThreshold");
        if (lagThreshold.isNegative() || lagThreshold.isZero()) {
            // a threshold of 0 or below would report every moment of lag as DEGRADED
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.cdc.lag-threshold " + lagThreshold + " must be positive, e.g. 60s");
        }
        mapping = mapping == null ? TypeMapping.defaults() : mapping;
        selector = selector == null ? TableSelector.all() : selector;
        if (maxTransactionBytes < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.cdc.max-transaction-size " + maxTransactionBytes
                            + " bytes must not be negative; e.g. 256MB, or leave it unset for an eighth of the heap");
        }
    }

    /** {@link #maxTransactionBytes}, or an eighth of the JVM's maximum heap when it is 0. */
    public long transactionBytesLimit() {
        return maxTransactionBytes > 0
                ? maxTransactionBytes
                : Runtime.getRuntime().maxMemory() / 8;
    }

    /** Slot {@code duckbridge}, publication {@code duckbridge}, all tables, 10 s heartbeat, 50,000-change batches. */
    public static CdcSettings defaults() {
        return new CdcSettings(
                "duckbridge",
                "duckbridge",
                List.of(),
                Duration.ofSeconds(10),
                50_000,
                Duration.ofSeconds(60),
                false,
                null,
                null,
                0);
    }

    public CdcSettings withSlotName(String value) {
        return new CdcSettings(
                value,
                publicationName,
                tables,
                heartbeatInterval,
                maxBatchChanges,
                lagThreshold,
                recreateSlotOnLoss,
                mapping,
                selector,
                maxTransactionBytes);
    }

    public CdcSettings withPublicationName(String value) {
        return new CdcSettings(
                slotName,
                value,
                tables,
                heartbeatInterval,
                maxBatchChanges,
                lagThreshold,
                recreateSlotOnLoss,
                mapping,
                selector,
                maxTransactionBytes);
    }

    public CdcSettings withTables(List<String> value) {
        return new CdcSettings(
                slotName,
                publicationName,
                value,
                heartbeatInterval,
                maxBatchChanges,
                lagThreshold,
                recreateSlotOnLoss,
                mapping,
                selector,
                maxTransactionBytes);
    }

    public CdcSettings withHeartbeatInterval(Duration value) {
        return new CdcSettings(
                slotName,
                publicationName,
                tables,
                value,
                maxBatchChanges,
                lagThreshold,
                recreateSlotOnLoss,
                mapping,
                selector,
                maxTransactionBytes);
    }

    public CdcSettings withMaxBatchChanges(int value) {
        return new CdcSettings(
                slotName,
                publicationName,
                tables,
                heartbeatInterval,
                value,
                lagThreshold,
                recreateSlotOnLoss,
                mapping,
                selector,
                maxTransactionBytes);
    }

    public CdcSettings withLagThreshold(Duration value) {
        return new CdcSettings(
                slotName,
                publicationName,
                tables,
                heartbeatInterval,
                maxBatchChanges,
                value,
                recreateSlotOnLoss,
                mapping,
                selector,
                maxTransactionBytes);
    }

    public CdcSettings withMapping(TypeMapping value) {
        return new CdcSettings(
                slotName,
                publicationName,
                tables,
                heartbeatInterval,
                maxBatchChanges,
                lagThreshold,
                recreateSlotOnLoss,
                value,
                selector,
                maxTransactionBytes);
    }

    public CdcSettings withRecreateSlotOnLoss(boolean value) {
        return new CdcSettings(
                slotName,
                publicationName,
                tables,
                heartbeatInterval,
                maxBatchChanges,
                lagThreshold,
                value,
                mapping,
                selector,
                maxTransactionBytes);
    }

    public CdcSettings withSelector(TableSelector value) {
        return new CdcSettings(
                slotName,
                publicationName,
                tables,
                heartbeatInterval,
                maxBatchChanges,
                lagThreshold,
                recreateSlotOnLoss,
                mapping,
                value,
                maxTransactionBytes);
    }

    public CdcSettings withMaxTransactionBytes(long value) {
        return new CdcSettings(
                slotName,
                publicationName,
                tables,
                heartbeatInterval,
                maxBatchChanges,
                lagThreshold,
                recreateSlotOnLoss,
                mapping,
                selector,
                value);
    }
}
