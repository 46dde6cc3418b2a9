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
    void directSyncWithoutASourceSaysWhatToPass() {
        CliRun r = run(new String[] {"sync", "--data-dir", dataDir.toString(), "--postgres-url", ""});
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: INVALID_REQUEST: a direct sync needs the source: pass --postgres-url");
    }

    private static CliRun run(String[] args) {
        return CliRun.of(args);
    }
}
