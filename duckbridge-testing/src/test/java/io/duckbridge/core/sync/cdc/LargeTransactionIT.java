package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL transaction whose changes exceed {@code max-transaction-size}: instead of holding all of it in
 * memory until its commit, CDC copies the table it changes most again from a snapshot after the commit, and
 * applies the rest of the transaction (a small table) as changes.
 */
@Timeout(180)
class LargeTransactionIT {
    @TempDir
    Path dir;

    @Test
    void copiesTheTableABigTransactionChangesInsteadOfHoldingIt() throws Exception {
        List<String> tables = List.of("public.lt_big", "public.lt_small");
        try (TestingPostgres postgres = TestingPostgres.start()) {
            postgres.execute("CREATE TABLE lt_big (id int PRIMARY KEY, n int, note text)");
            postgres.execute("INSERT INTO lt_big SELECT g, g, 'row ' || g FROM generate_series(1, 5000) g");
            postgres.execute("CREATE TABLE lt_small (id int PRIMARY KEY, v text)");
            PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
            CdcSettings settings = CdcSettings.defaults()
                    .withSlotName("large")
                    .withPublicationName("large")
                    .withTables(tables)
                    .withHeartbeatInterval(Duration.ofMillis(500))
                    // 5,000 updated rows of lt_big are about 1.5 MB on the heap here
                    .withMaxTransactionBytes(200_000);
            try (DuckDbEngine engine = DuckDbEngine.open(
                            EngineSettings.defaults(dir.resolve("a.duckdb").toString()));
                    ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
                cdc.start();
                ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);

                postgres.execute("BEGIN;"
                        + " UPDATE lt_big SET n = n + 1, note = 'updated in one big transaction ' || id;"
                        + " INSERT INTO lt_small VALUES (1, 'in the same transaction');"
                        + " DELETE FROM lt_big WHERE id > 4900;"
                        + " COMMIT");
                ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);
                assertThat(ChangeCaptureIT.poll(
                                () -> cdc.status().tables().stream()
                                        .allMatch(t -> t.state().equals("streaming")),
                                Duration.ofSeconds(30)))
                        .isTrue();
                // the big table came from the new snapshot: none of its 5,100 row changes were applied one by one;
                // the small one's change was
                assertThat(applied(cdc, "public.lt_big")).isZero();
                assertThat(applied(cdc, "public.lt_small")).isEqualTo(1);

                // afterwards both stream as before
                postgres.execute("UPDATE lt_big SET note = 'later' WHERE id = 7; INSERT INTO lt_small VALUES (2, 'x')");
                ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);
                assertThat(applied(cdc, "public.lt_big")).isEqualTo(1);
                assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
            }
        }
    }

    private static long applied(ChangeCapture cdc, String table) {
        return cdc.status().tables().stream()
                .filter(t -> t.table().equals(table))
                .findFirst()
                .orElseThrow()
                .appliedChanges();
    }
}
