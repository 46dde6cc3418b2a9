package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.backup.BackupManifest;
import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.backup.BackupSettings;
import io.duckbridge.core.backup.RestoreListener;
import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup restored while CDC has moved on: the restored DuckDB is behind the slot's confirmed position, so
 * the changes in between are no longer in the slot. CDC notices when it starts again, copies the captured
 * tables anew and keeps streaming — DuckDB ends equal to PostgreSQL, nothing lost, nothing twice.
 */
@Timeout(300)
class ChangeCaptureAfterRestoreIT {
    @TempDir
    Path dir;

    @Test
    void copiesTablesAgainWhenTheRestoredDatabaseIsBehindTheSlot() throws Exception {
        try (TestingPostgres postgres = TestingPostgres.start()) {
            PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
            postgres.execute("CREATE TABLE rs_items (id bigint PRIMARY KEY, val text, qty int)");
            postgres.execute("CREATE TABLE rs_notes (id bigint PRIMARY KEY, note text)");
            postgres.execute("INSERT INTO rs_items SELECT g, 'v' || g, g % 10 FROM generate_series(1, 2000) g");
            postgres.execute("INSERT INTO rs_notes SELECT g, 'n' || g FROM generate_series(1, 300) g");
            List<String> tables = List.of("public.rs_items", "public.rs_notes");
            CdcSettings settings = CdcSettings.defaults()
                    .withSlotName("after_restore")
                    .withPublicationName("after_restore")
                    .withTables(tables)
                    .withHeartbeatInterval(Duration.ofMillis(500));
            try (DuckDbEngine engine = DuckDbEngine.open(
                            EngineSettings.defaults(dir.resolve("a.duckdb").toString()));
                    ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
                BackupService backups = new BackupService(engine, BackupSettings.defaults(dir.resolve("backups")));
                AtomicLong rowsRightAfterSwap = new AtomicLong(-1);
                backups.addRestoreListener(new RestoreListener() {
                    private boolean wasRunning;

                    @Override
                    public void beforeSwap(BackupManifest backup) {
                        wasRunning = cdc.isRunning();
                        cdc.stop();
                    }

                    @Override
                    public void afterSwap(BackupManifest backup, boolean swapped) {
                        rowsRightAfterSwap.set(TableComparison.duckCount(engine, "public.rs_items"));
                        if (wasRunning) {
                            cdc.start();
                        }
                    }
                });

                cdc.start();
                ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);
                postgres.execute("UPDATE rs_items SET qty = qty + 100 WHERE id % 5 = 0");
                postgres.execute("DELETE FROM rs_notes WHERE id % 4 = 0");
                ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);

                BackupManifest backup = backups.create(JobContext.none());
                long backupConfirmed = storedConfirmLsn(backup);
                assertThat(backup.rowCounts()).containsEntry("public.rs_items", 2000L);

                // committed after the backup: applied and confirmed, so the slot will not send them again
                postgres.execute(
                        "INSERT INTO rs_items SELECT g, 'after backup ' || g, 7 FROM generate_series(2001, 2500) g");
                postgres.execute("UPDATE rs_items SET val = 'updated after backup' WHERE id BETWEEN 100 AND 199");
                postgres.execute("DELETE FROM rs_items WHERE id BETWEEN 1000 AND 1049");
                postgres.execute("INSERT INTO rs_notes VALUES (1000, 'after backup')");
                ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);
                assertThat(ChangeCaptureIT.poll(
                                () -> slotConfirmedLsn(postgres) > backupConfirmed, Duration.ofSeconds(60)))
                        .as("the slot confirmed changes after the backup's position")
                        .isTrue();

                backups.restore(backup.id(), JobContext.none());
                assertThat(rowsRightAfterSwap.get())
                        .as("the restored database is the backup's: the 500 rows inserted later are missing")
                        .isEqualTo(2000L);

                ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);
                assertThat(duplicateKeys(engine, "public.rs_items")).isZero();
                assertThat(duplicateKeys(engine, "public.rs_notes")).isZero();

                postgres.execute("INSERT INTO rs_items VALUES (5000, 'after restore', 1)");
                postgres.execute("UPDATE rs_items SET val = 'changed after restore' WHERE id BETWEEN 2400 AND 2410");
                postgres.execute("DELETE FROM rs_notes WHERE id = 1000");
                ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);
                assertThat(duplicateKeys(engine, "public.rs_items")).isZero();
                assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
                assertThat(cdc.status().tables())
                        .allSatisfy(t -> assertThat(t.state()).isEqualTo("streaming"));
                cdc.disable();
            }
        }
    }

    private static long storedConfirmLsn(BackupManifest backup) {
        List<Map<String, Object>> rows = backup.state().get("cdc_state");
        assertThat(rows).as("the backup holds the CDC position").hasSize(1);
        return ((Number) rows.getFirst().get("confirm_lsn")).longValue();
    }

    private static long slotConfirmedLsn(TestingPostgres postgres) {
        Object lsn = postgres.query("SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint FROM pg_replication_slots"
                        + " WHERE slot_name = 'after_restore'")
                .getFirst()
                .getFirst();
        return ((Number) lsn).longValue();
    }

    private static long duplicateKeys(DuckDbEngine engine, String table) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) - count(DISTINCT id) FROM " + table)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
