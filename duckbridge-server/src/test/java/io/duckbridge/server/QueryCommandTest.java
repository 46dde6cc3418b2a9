package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class QueryCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void queriesTheDatabaseFileDirectlyAsCsv() {
        Path file = dataDir.resolve("analytics.duckdb");
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            engine.write(session -> session.statement()
                    .execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a,b'), (2, NULL)) v(id, name)"));
        }
        CliRun run = CliRun.of(
                "query", "SELECT id, name FROM t ORDER BY id", "--format", "csv", "--data-dir", dataDir.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("id,name\n1,\"a,b\"\n2,\n");
    }

    @Test
    void missingDatabaseIsOneErrorLineAndExitCodeOne() {
        CliRun run = CliRun.of(
                "query", "SELECT 1", "--data-dir", dataDir.resolve("none").toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: NOT_FOUND: no database at").contains("--url");
    }
}
