package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import java.nio.file.Path;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code query} on the database file is read-only: the same guard as {@code POST /api/v1/query}. */
@Timeout(60)
class QueryCommandIT {
    @TempDir
    Path dataDir;

    @BeforeEach
    void createTable() {
        try (var engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString()))) {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute("CREATE TABLE t AS SELECT i AS id FROM range(3) r(i)");
                }
                return null;
            });
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "CREATE TABLE u AS SELECT 1",
                "DROP TABLE t",
                "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                "SELECT 1; DROP TABLE t",
                "SELECT * FROM read_csv('/etc/passwd')",
                "COPY t TO '/tmp/duckbridge-cli-copy.csv'"
            })
    void refusesWhatIsNotOneReadOnlyQuery(String sql) {
        CliRun run = CliRun.of("query", sql, "--data-dir", dataDir.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: READ_ONLY_VIOLATION: ");
        assertThat(CliRun.of(
                                "query",
                                "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name <> 't'",
                                "--format",
                                "csv",
                                "--data-dir",
                                dataDir.toString())
                        .out())
                .isEqualTo("n\n0\n");
        assertThat(CliRun.of(
                                "query",
                                "SELECT count(*) AS n FROM t",
                                "--format",
                                "csv",
                                "--data-dir",
                                dataDir.toString())
                        .out())
                .isEqualTo("n\n3\n");
        assertThat(Path.of("/tmp/duckbridge-cli-copy.csv")).doesNotExist();
    }

    @Test
    void runsAReadOnlyQuery() {
        CliRun run = CliRun.of(
                "query",
                "WITH x AS (SELECT id FROM t) SELECT sum(id) AS s FROM x",
                "--format",
                "csv",
                "--data-dir",
                dataDir.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("s\n3\n");
    }
}
