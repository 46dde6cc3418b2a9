package io.duckbridge.spring.cdc;

import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.sync.cdc.CdcSettings;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code duckbridge.cdc.*} settings.
 *
 * @param enabled whether to stream changes after the first snapshot when the application starts
 * @param slotName the logical replication slot Duckbridge creates and owns
 * @param publicationName the publication Duckbridge creates for the captured tables
 * @param tables {@code schema.table} names to capture; empty means every user table
 * @param heartbeatInterval how often a heartbeat is written so the slot advances on an idle database
 * @param maxBatchChanges the most changes one DuckDB transaction applies
 * @param lagThreshold lag above which the {@code cdc} health component reports {@code DEGRADED}
 * @param recreateSlotOnLoss whether a slot dropped or invalidated underneath is recreated with a new snapshot
 * @param maxTransactionSize how much of one PostgreSQL transaction is held in memory until its commit; beyond it
 *     the tables it changes most are copied again from a new snapshot; unset for an eighth of the heap
 */
@ConfigurationProperties("duckbridge.cdc")
public record CdcProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("duckbridge") String slotName,
        @DefaultValue("duckbridge") String publicationName,
        @DefaultValue List<String> tables,
        @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue("50000") int maxBatchChanges,
        @DefaultValue("60s") Duration lagThreshold,
        @DefaultValue("false") boolean recreateSlotOnLoss,
        DataSize maxTransactionSize) {

    /**
     * Core settings, storing types with {@code mapping} (the sync feature's, with its numeric overrides) and,
     * when {@code tables} is empty, capturing the tables {@code selector} selects (the sync feature's
     * include/exclude); either may be null.
     */
    public CdcSettings toSettings(TypeMapping mapping, TableSelector selector) {
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
                maxTransactionSize == null ? 0 : maxTransactionSize.toBytes());
    }
}
