package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class SyncCommandIT {
    @TempDir
    Path dataDir;

    @Test
    void syncsIntoTheDatabaseFileThenQueriesIt() {
        try (var pg = TestingPostgres.start()) {
            pg.execute("CREATE SCHEMA app; CREATE TABLE app.items(id int PRIMARY KEY, name text, price numeric(8,2));"
                    + " INSERT INTO app.items SELECT i, 'item ' || i, i * 1.5 FROM generate_series(1, 1000) i");
            String[] sync = {
                "sync",
                "app.items",
                "--mode",
                "full",
                "--data-dir",
                dataDir.toString(),
                "--postgres-url",
                pg.jdbcUrl(),
                "--postgres-username",
                pg.username()
            };
            assertThat(run(sync).exit()).isZero();

            CliRun query = run(new String[] {
                "query",
                "SELECT count(*) AS n, sum(price) AS total FROM app.items",
                "--format",
                "csv",
                "--data-dir",
                dataDir.toString()
            });
            assertThat(query.exit()).isZero();
            assertThat(query.out()).isEqualTo("n,total\n1000,750750.00\n");
        }
    }

    @Test
    void tablesNamedThroughAServerSyncInOneJobAndWhatSyncedIsPrintedWhenOneFails() throws Exception {
        try (var pg = TestingPostgres.start()) {
            pg.execute("CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1);"
                    + " CREATE TABLE b (id int PRIMARY KEY); INSERT INTO b VALUES (1), (2);"
                    + " CREATE TABLE clash (id int PRIMARY KEY, \"Val\" text, val text)");
            try (var app = org.springframework.boot.SpringApplication.run(
                    DuckbridgeApplication.class,
                    "--server.port=0",
                    "--server.address=127.0.0.1",
                    "--duckbridge.data-dir=" + dataDir,
                    "--duckbridge.postgres.url=" + pg.jdbcUrl(),
                    "--duckbridge.postgres.username=" + pg.username(),
                    "--duckbridge.postgres.password=" + pg.password(),
                    "--DUCKDB_MEMORY_LIMIT=256MB",
                    "--DUCKDB_THREADS=1")) {
                String url = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
                CliRun both = run(new String[] {"sync", "public.a", "b", "--url", url});
                assertThat(both.exit()).as(both.err()).isZero();
                var result = tools.jackson.databind.json.JsonMapper.shared().readTree(both.out());
                assertThat(result.path("tables").size()).isEqualTo(2);
                assertThat(result.path("rows").asLong()).isEqualTo(3);

                CliRun partly = run(new String[] {"sync", "a", "clash", "--url", url});
                assertThat(partly.exit()).isEqualTo(1);
                assertThat(partly.err()).contains("CONFLICT");
                var printed = tools.jackson.databind.json.JsonMapper.shared().readTree(partly.out());
                assertThat(printed.path("tables").toString())
                        .contains("\"succeeded\"")
                        .contains("\"failed\"");
            }
        }
    }

    @Test
    void aDirectSyncPrintsWhatSyncedWhenOneTableFails() {
        // found by an acceptance tester: through a server the result document was printed, on the file nothing
        try (var pg = TestingPostgres.start()) {
            pg.execute("CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1);"
                    + " CREATE TABLE clash (id int PRIMARY KEY, \"Val\" text, val text)");
            CliRun partly = run(new String[] {
                "sync",
                "a",
                "clash",
                "--data-dir",
                dataDir.toString(),
                "--postgres-url",
                pg.jdbcUrl(),
                "--postgres-username",
                pg.username()
            });
            assertThat(partly.exit()).isEqualTo(1);
            assertThat(partly.err()).contains("CONFLICT");
            var printed = tools.jackson.databind.json.JsonMapper.shared().readTree(partly.out());
            assertThat(printed.path("tables").toString())
                    .contains("\"succeeded\"")
                    .contains("\"failed\"");
        }
    }

    @Test
    void directSyncWithoutASourceSaysWhatToPass() {
        CliRun r = run(new String[] {"sync", "--data-dir", dataDir.toString(), "--postgres-url", ""});
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: INVALID_REQUEST: a direct sync needs the source: pass --postgres-url");
    }

    private static CliRun run(String[] args) {
        return CliRun.of(args);
    }
}
