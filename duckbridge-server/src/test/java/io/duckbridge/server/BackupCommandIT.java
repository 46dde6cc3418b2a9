package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The backup subcommands that need only the backup directory work while another process holds the database. */
@Timeout(120)
class BackupCommandIT {
    @TempDir
    Path dataDir;

    @Test
    void listValidateAndPruneWorkWhileAnotherProcessHoldsTheDatabase() throws Exception {
        Path file = dataDir.resolve("analytics.duckdb");
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            engine.write(session -> session.statement().execute("CREATE TABLE t AS SELECT range AS i FROM range(100)"));
        }
        String dir = dataDir.toString();
        String older = json(CliRun.of("backup", "create", "--data-dir", dir))
                .path("id")
                .asString();
        json(CliRun.of("backup", "create", "--data-dir", dir));

        Process holder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        DatabaseHolder.class.getName(),
                        file.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            var lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = lines.readLine(); // the holder's own log lines come first
            } while (line != null && !line.startsWith("ready "));
            assertThat(line).as("the holder's ready line").isEqualTo("ready " + file);
            // the file is really held: what opens it is refused and pointed at --url
            CliRun query = CliRun.of("query", "SELECT 1", "--data-dir", dir);
            assertThat(query.err()).startsWith("error: CONFLICT: ").contains("--url");

            assertThat(json(CliRun.of("backup", "list", "--data-dir", dir))).hasSize(2);
            assertThat(json(CliRun.of("backup", "validate", older, "--data-dir", dir))
                            .path("valid")
                            .asBoolean())
                    .isTrue();
            assertThat(json(CliRun.of("backup", "prune", "--keep", "1", "--data-dir", dir))
                            .path("deleted")
                            .get(0)
                            .asString())
                    .isEqualTo(older);
        } finally {
            holder.getOutputStream().close();
            if (!holder.waitFor(30, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        }
    }

    private static JsonNode json(CliRun r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return JsonMapper.shared().readTree(r.out());
    }
}
