package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.CatalogReader;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.snapshot.SnapshotCopier;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.core.sync.snapshot.SourceSnapshot;
import io.duckbridge.core.sync.snapshot.TableLoad;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies tables as of a slot's exported snapshot into DuckDB with the sync feature's {@link SnapshotCopier}:
 * parallel readers (large tables split into ctid ranges) joined to the slot's snapshot, the sync
 * feature's type mapping, and one writer-lane transaction that replaces every table copied and records it
 * in {@code duckbridge.cdc_tables}. A table that cannot be copied is recorded there in state {@code failed}
 * with the reason, and the others are loaded all the same. The stream's values go through the same mapping (see {@link
 * ChangeApplier}), so snapshot and stream produce identical DuckDB values.
 *
 * <p>Stateless; thread-safe.
 */
final class SnapshotLoader {
    private SnapshotLoader() {}

    /**
     * Loads {@code tables} as of {@code snapshotName}; the exporting replication connection must stay
     * open and idle meanwhile.
     *
     * @param applyFrom recorded per table: changes committed before it are in the snapshot; null on the
     *     initial snapshot, where the slot streams nothing older
     * @return the tables that could not be copied ({@code schema.table} to the reason), now in state {@code
     *     failed}; empty when every table was loaded
     * @throws DuckbridgeException when the snapshot or the catalog cannot be read (no table is replaced), or
     *     a table failed for a reason that is not its own (see {@link TableFailures})
     */
    static Map<String, String> load(
            PostgresSource source,
            DuckDbEngine engine,
            String slot,
            String snapshotName,
            List<String> tables,
            SnapshotSettings snapshotSettings,
            TypeMapping types,
            Lsn applyFrom) {
        try (SourceSnapshot snapshot = SourceSnapshot.imported(source, snapshotName)) {
            List<SnapshotCopier.TablePlan> plans = new ArrayList<>();
            Map<TableName, SourceTable> byName = new HashMap<>();
            // the catalog as of the snapshot: the shape of the rows copied
            try (Connection c = snapshot.openReader()) {
                CatalogReader catalog = new CatalogReader();
                for (String name : tables) {
                    SourceTable table = ReplicationSetup.describe(c, name);
                    io.duckbridge.core.schema.SourceTable described = catalog.read(c, table.tableName())
                            .orElseThrow(() -> new DuckbridgeException(
                                    ErrorClass.NOT_FOUND, "PostgreSQL table " + name + " does not exist"));
                    byName.put(table.tableName(), table);
                    plans.add(new SnapshotCopier.TablePlan(described, table.mappings(types), null));
                }
            } catch (SQLException e) {
                throw PostgresErrors.wrap("reading the catalog for the snapshot of " + tables + " failed", e);
            }
            List<TableLoad> loads = new SnapshotCopier(engine, snapshotSettings)
                    .copy(
                            snapshot,
                            plans,
                            JobContext.none(),
                            (session, load) -> CdcStateStore.saveTable(
                                    session, slot, byName.get(load.table()), "streaming", applyFrom));
            for (TableLoad load : loads) {
                if (!load.succeeded() && !TableFailures.ofOneTable(load.error())) {
                    throw load.error(); // not the table's fault (PostgreSQL gone, disk, memory): retried whole
                }
            }
            Map<String, String> failed = new LinkedHashMap<>();
            for (TableLoad load : loads) {
                if (!load.succeeded()) {
                    SourceTable table = byName.get(load.table());
                    String reason = load.error().getMessage();
                    failed.put(table.qualifiedName(), reason);
                    engine.write(session -> {
                        CdcStateStore.saveTable(session, slot, table, "failed", null, reason);
                        return null;
                    });
                }
            }
            return failed;
        }
    }
}
