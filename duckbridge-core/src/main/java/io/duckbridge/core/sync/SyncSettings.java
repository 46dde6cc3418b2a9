package io.duckbridge.core.sync;

import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.sync.incremental.IncrementalSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;

/**
 * Everything that shapes a sync. Immutable.
 *
 * @param tables which tables are synced
 * @param mapping the type mapping with its numeric overrides
 * @param snapshot parallelism of full snapshots
 * @param incremental watermark, overlap, soft-delete and reconciliation settings
 */
public record SyncSettings(
        TableSelector tables, TypeMapping mapping, SnapshotSettings snapshot, IncrementalSettings incremental) {
    public SyncSettings {
        tables = tables == null ? TableSelector.all() : tables;
        mapping = mapping == null ? TypeMapping.defaults() : mapping;
        snapshot = snapshot == null ? SnapshotSettings.defaults() : snapshot;
        incremental = incremental == null ? IncrementalSettings.defaults() : incremental;
    }

    public static SyncSettings defaults() {
        return new SyncSettings(null, null, null, null);
    }
}
