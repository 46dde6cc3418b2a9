package io.duckbridge.core.sync;

import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.sync.incremental.IncrementalSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that shapes a sync. Immutable.
 *
 * @param tables which tables are synced
 * @param mapping the type mapping with its numeric overrides
 * @param snapshot parallelism of full snapshots
 * @param incremental watermark, overlap, soft-delete and reconciliation settings
 * @param layouts sort columns and ART indexes per table, keyed by {@code schema.table} (a key without a dot
 *     means {@code public.}); tables not listed keep load order and get no index
 */
public record SyncSettings(
        TableSelector tables,
        TypeMapping mapping,
        SnapshotSettings snapshot,
        IncrementalSettings incremental,
        Map<TableName, TableLayout> layouts) {
    public SyncSettings {
        tables = tables == null ? TableSelector.all() : tables;
        mapping = mapping == null ? TypeMapping.defaults() : mapping;
        snapshot = snapshot == null ? SnapshotSettings.defaults() : snapshot;
        incremental = incremental == null ? IncrementalSettings.defaults() : incremental;
        layouts = layouts == null ? Map.of() : Map.copyOf(layouts);
    }

    /** Settings without table layouts. */
    public SyncSettings(
            TableSelector tables, TypeMapping mapping, SnapshotSettings snapshot, IncrementalSettings incremental) {
        this(tables, mapping, snapshot, incremental, null);
    }

    /** The layout of {@code table}, {@link TableLayout#NONE} when none is configured. */
    public TableLayout layout(TableName table) {
        return layouts.getOrDefault(table, TableLayout.NONE);
    }

    /** Parses layout keys ({@code schema.table}, or {@code table} for {@code public.table}). */
    public static Map<TableName, TableLayout> layoutsByName(Map<String, TableLayout> byKey) {
        Map<TableName, TableLayout> out = new LinkedHashMap<>();
        if (byKey != null) {
            byKey.forEach((key, layout) -> out.put(TableName.parse(key), layout));
        }
        return out;
    }

    public static SyncSettings defaults() {
        return new SyncSettings(null, null, null, null);
    }
}
