package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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
        var out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new DuckbridgeServer())
                    .execute(
                            "query",
                            "SELECT id, name FROM t ORDER BY id",
                            "--format",
                            "csv",
                            "--data-dir",
                            dataDir.toString());
        } finally {
            System.setOut(original);
        }
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("id,name\n1,\"a,b\"\n2,\n");
    }

    @Test
    void missingDatabaseIsOneErrorLineAndExitCodeOne() {
        var err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new DuckbridgeServer())
                    .execute(
                            "query",
                            "SELECT 1",
                            "--data-dir",
                            dataDir.resolve("none").toString());
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("error: NOT_FOUND: no database at")
                .contains("--url");
    }
}
