package io.duckbridge.spring.sync;

import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.sync.SyncSettings;
import io.duckbridge.core.sync.incremental.IncrementalSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code duckbridge.sync.*} settings.
 *
 * @param include globs over {@code schema.table} of tables to sync; empty for every user table
 * @param exclude globs of tables never to sync
 * @param workers parallel snapshot readers; unset: the number of cores (at least 2)
 * @param rowsPerRange tables with more estimated rows are read in parallel ctid ranges of about this size
 * @param ingest how snapshot rows enter DuckDB: {@code table-function} (vectors a chunk at a time, for tables
 *     whose every column has a vector form; the others use the appender) or {@code appender} (every table)
 * @param watermarkColumn the column incremental sync reads changes by
 * @param overlap how far before the last watermark incremental sync reads again (late commits)
 * @param softDeleteColumn a column marking deleted rows (non-null or true); those rows are left out
 * @param reconcileEvery run the key reconciliation (finds hard deletes) every N incremental runs; 0 never
 * @param numericOverrides per-column types for numeric columns, keyed by {@code schema.table.column}:
 *     {@code DOUBLE}, {@code VARCHAR} or {@code DECIMAL(p,s)}
 * @param waitTimeout how long {@code wait=true} requests wait for the sync job
 * @param schedule optional cron schedules per mode
 * @param layouts per table (key {@code schema.table}, written in brackets:
 *     {@code duckbridge.sync.layouts[shop.orders].sort-columns=created_at,id}), the sort order of the live
 *     copy and the columns that get an ART index
 */
@ConfigurationProperties("duckbridge.sync")
public record SyncProperties(
        @DefaultValue List<String> include,
        @DefaultValue List<String> exclude,
        Integer workers,
        @DefaultValue("250000") long rowsPerRange,
        @DefaultValue("table-function") SnapshotSettings.Ingest ingest,
        @DefaultValue("updated_at") String watermarkColumn,
        @DefaultValue("5m") Duration overlap,
        String softDeleteColumn,
        @DefaultValue("0") int reconcileEvery,
        @DefaultValue Map<String, String> numericOverrides,
        @DefaultValue("30m") Duration waitTimeout,
        @DefaultValue Schedule schedule,
        @DefaultValue Map<String, Layout> layouts) {

    /**
     * The physical layout of one table.
     *
     * @param sortColumns columns the live copy is stored in order of, leading column first
     * @param indexes columns that get an ART index for point lookups
     */
    public record Layout(
            @DefaultValue List<String> sortColumns,
            @DefaultValue List<String> indexes) {}

    /**
     * Cron expressions (Spring's six-field format, e.g. {@code 0 0 3 * * *}) for syncing every table.
     *
     * @param full when to run a full sync; unset for never
     * @param incremental when to run an incremental sync; unset for never
     * @param optimize when to rewrite every table that has a layout in its sort order (incremental and CDC
     *     changes append rows out of order, which weakens zone-map pruning); unset for never
     */
    public record Schedule(String full, String incremental, String optimize) {}

    /** The core settings these properties describe. */
    public SyncSettings toSettings() {
        SnapshotSettings defaults = SnapshotSettings.defaults();
        return new SyncSettings(
                new TableSelector(include, exclude),
                new TypeMapping(numericOverrides),
                new SnapshotSettings(workers == null ? defaults.workers() : workers, rowsPerRange, true, ingest),
                new IncrementalSettings(watermarkColumn, overlap, softDeleteColumn, reconcileEvery),
                SyncSettings.layoutsByName(layouts(layouts)));
    }

    private static Map<String, TableLayout> layouts(Map<String, Layout> layouts) {
        Map<String, TableLayout> out = new java.util.LinkedHashMap<>();
        if (layouts != null) {
            layouts.forEach((table, l) -> out.put(table, new TableLayout(l.sortColumns(), l.indexes())));
        }
        return out;
    }
}
