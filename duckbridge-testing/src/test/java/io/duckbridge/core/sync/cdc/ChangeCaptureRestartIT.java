package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** PostgreSQL restarts while CDC streams: CDC reconnects with backoff and catches up without loss. */
@Timeout(240)
class ChangeCaptureRestartIT {
    @TempDir
    Path dir;

    @Test
    void reconnectsAfterPostgresRestartAndCatchesUp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = dir.resolve("pgdata");
        TestingPostgres postgres = TestingPostgres.start(data, port);
        PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
        postgres.execute("CREATE TABLE r_items (id bigint PRIMARY KEY, val text)");
        postgres.execute("INSERT INTO r_items SELECT g, 'v' || g FROM generate_series(1, 1000) g");
        List<String> tables = List.of("public.r_items");
        CdcSettings settings = CdcSettings.defaults()
                .withSlotName("restart")
                .withPublicationName("restart")
                .withTables(tables)
                .withHeartbeatInterval(Duration.ofMillis(500));
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dir.resolve("a.duckdb").toString()));
                ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
            cdc.start();
            awaitEqual(source, engine, tables, dir);
            postgres.execute("UPDATE r_items SET val = val || '!' WHERE id % 3 = 0");
            postgres.execute("DELETE FROM r_items WHERE id % 7 = 0");
            postgres.execute("INSERT INTO r_items SELECT g, 'w' || g FROM generate_series(1001, 3000) g");

            postgres.close(); // fast shutdown while changes may still be in flight
            AtomicBoolean sawReconnecting = new AtomicBoolean();
            assertThat(ChangeCaptureIT.poll(
                            () -> {
                                sawReconnecting.compareAndSet(
                                        false, cdc.status().state() == CdcState.RECONNECTING);
                                return sawReconnecting.get();
                            },
                            Duration.ofSeconds(30)))
                    .isTrue();
            assertThat(cdc.status().lastError()).isNotNull();

            postgres = TestingPostgres.start(data, port);
            postgres.execute("INSERT INTO r_items SELECT g, 'after' || g FROM generate_series(3001, 4000) g");
            postgres.execute("UPDATE r_items SET val = 'changed after restart' WHERE id BETWEEN 10 AND 20");
            awaitEqual(source, engine, tables, dir);
            assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
            cdc.disable();
            assertThat(postgres.query("SELECT count(*) FROM pg_replication_slots")
                            .getFirst()
                            .getFirst())
                    .isEqualTo(0L);
        } finally {
            postgres.close();
        }
    }

    static void awaitEqual(PostgresSource source, DuckDbEngine engine, List<String> tables, Path dir) throws Exception {
        List<String> diff = new ArrayList<>();
        ChangeCaptureIT.poll(
                () -> {
                    diff.clear();
                    for (String t : tables) {
                        try {
                            diff.addAll(TableComparison.differences(
                                    source,
                                    engine,
                                    t,
                                    engine.settings().databasePath() == null
                                            ? null
                                            : Path.of(System.getProperty("java.io.tmpdir"))));
                        } catch (Exception e) {
                            diff.add(e.toString());
                        }
                    }
                    return diff.isEmpty();
                },
                Duration.ofSeconds(90));
        assertThat(diff).as("rows that differ between PostgreSQL and DuckDB").isEmpty();
    }
}
