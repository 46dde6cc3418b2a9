package io.duckbridge.spring.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.ServiceFixtures;
import io.duckbridge.spring.TestApplication;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Restoring a backup over HTTP while CDC streams: the restored database lacks changes the slot has already
 * confirmed, and the service copies the captured table again by itself, then keeps streaming.
 */
@Timeout(240)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=1GB",
            "DUCKDB_THREADS=2",
            "duckbridge.cdc.enabled=true",
            "duckbridge.cdc.slot-name=restore_cdc",
            "duckbridge.cdc.publication-name=restore_cdc",
            "duckbridge.cdc.tables=public.accounts",
            "duckbridge.cdc.heartbeat-interval=500ms"
        })
class BackupRestoreCdcIT {
    static final TestingPostgres postgres = TestingPostgres.start();

    static {
        postgres.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, owner text, balance numeric(12,2))");
        postgres.execute("INSERT INTO accounts SELECT g, 'owner ' || g, g * 10 FROM generate_series(1, 500) g");
    }

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixtures.postgres(registry, () -> dataDir, postgres);
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void restoreOfAnOlderBackupEndsEqualToPostgresAndKeepsStreaming() throws Exception {
        Http http = Http.localhost(port);
        assertThat(poll(() -> duckRows().equals(pgRows()))).isTrue();
        postgres.execute("UPDATE accounts SET balance = balance + 1 WHERE id % 3 = 0");
        assertThat(poll(() -> duckRows().equals(pgRows()))).isTrue();

        var created = http.post("/api/v1/backups?wait=true", null);
        assertThat(created.statusCode()).isEqualTo(200);
        String id = Http.json(created).at("/result/id").asString();
        assertThat(Http.json(created).at("/result/tables/public.accounts").asLong())
                .isEqualTo(500);

        // applied and confirmed to PostgreSQL after the backup: the slot will not send these again
        postgres.execute("INSERT INTO accounts SELECT g, 'later ' || g, 1 FROM generate_series(501, 800) g");
        postgres.execute("UPDATE accounts SET owner = 'renamed' WHERE id BETWEEN 1 AND 50");
        postgres.execute("DELETE FROM accounts WHERE id BETWEEN 100 AND 149");
        assertThat(poll(() -> duckRows().equals(pgRows()))).isTrue();
        long backupConfirmed =
                Http.json(created).at("/result/state/cdc_state/0/confirm_lsn").asLong();
        assertThat(backupConfirmed).isPositive();
        assertThat(poll(() -> slotConfirmed() > backupConfirmed))
                .as("the slot has confirmed changes after the backup's position")
                .isTrue();

        var restored = http.post("/api/v1/backups/" + id + "/restore?wait=true", null);
        assertThat(restored.statusCode()).isEqualTo(200);
        assertThat(Http.json(restored).path("status").asString()).isEqualTo("succeeded");
        assertThat(Http.json(restored).at("/result/writePauseMillis").isNumber())
                .isTrue();

        assertThat(poll(() -> duckRows().equals(pgRows())))
                .as("DuckDB equals PostgreSQL row by row after the restore")
                .isTrue();
        assertThat(duplicateIds()).isZero();

        postgres.execute("INSERT INTO accounts VALUES (9000, 'after restore', 5)");
        postgres.execute("UPDATE accounts SET balance = 0 WHERE id BETWEEN 700 AND 710");
        postgres.execute("DELETE FROM accounts WHERE id = 1");
        assertThat(poll(() -> duckRows().equals(pgRows())))
                .as("changes after the restore still flow")
                .isTrue();
        assertThat(duplicateIds()).isZero();
        var status = Http.json(http.get("/api/v1/cdc"));
        assertThat(status.path("state").asString()).isEqualTo("STREAMING");
        assertThat(status.at("/tables/0/state").asString()).isEqualTo("streaming");
    }

    private List<String> pgRows() {
        List<String> rows = new ArrayList<>();
        for (List<Object> r : postgres.query("SELECT id, owner, balance::text FROM accounts ORDER BY id")) {
            rows.add(r.get(0) + "|" + r.get(1) + "|" + r.get(2));
        }
        return rows;
    }

    private List<String> duckRows() {
        try {
            return engine.read(session -> {
                List<String> rows = new ArrayList<>();
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery(
                                "SELECT id, owner, balance::VARCHAR FROM public.accounts ORDER BY id")) {
                    while (rs.next()) {
                        rows.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getString(3));
                    }
                }
                return rows;
            });
        } catch (RuntimeException e) {
            return List.of(); // not copied yet
        }
    }

    private long duplicateIds() {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) - count(DISTINCT id) FROM public.accounts")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static long slotConfirmed() {
        return ((Number) postgres.query("SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint FROM pg_replication_slots"
                                + " WHERE slot_name = 'restore_cdc'")
                        .getFirst()
                        .getFirst())
                .longValue();
    }

    private static boolean poll(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return false;
    }
}
