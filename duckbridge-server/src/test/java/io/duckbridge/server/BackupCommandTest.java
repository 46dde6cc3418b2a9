package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Timeout(120)
class BackupCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void createValidateRestoreAndPruneOnAStoppedService() {
        Path file = dataDir.resolve("analytics.duckdb");
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            engine.write(
                    session -> session.statement().execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)"));
        }
        String dir = dataDir.toString();
        JsonNode created = json(run("backup", "create", "--data-dir", dir));
        String id = created.path("id").asString();
        assertThat(id).isNotBlank();
        json(run("backup", "create", "--data-dir", dir));

        CliRun validate = run("backup", "validate", id, "--data-dir", dir);
        assertThat(validate.exit()).isZero();
        assertThat(json(validate).path("valid").asBoolean()).isTrue();

        // the stopped service's table changes after the backup; restore brings back the backed-up rows
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            engine.write(session -> session.statement().execute("DELETE FROM t WHERE i >= 10"));
        }
        CliRun restore = run("backup", "restore", id, "--data-dir", dir);
        assertThat(restore.exit()).as(restore.err()).isZero();
        CliRun count = run("query", "SELECT count(*) AS n FROM t", "--format", "csv", "--data-dir", dir);
        assertThat(count.out()).isEqualTo("n\n1000\n");

        CliRun prune = run("backup", "prune", "--keep", "1", "--data-dir", dir);
        assertThat(prune.exit()).isZero();
        assertThat(json(prune).path("deleted")).hasSize(1);
        assertThat(json(run("backup", "list", "--data-dir", dir))).hasSize(1);
    }

    @Test
    void backupWithoutASubcommandIsAUsageError() {
        CliRun bare = run("backup");
        assertThat(bare.exit()).isEqualTo(2);
        assertThat(bare.err()).startsWith("usage: backup create|list");
    }

    @Test
    void aUsageErrorOfValidatePrintsNothingOnStdoutSoAScriptCanTellItFromAnInvalidBackup() {
        // status 2 is both a usage error (picocli) and "backup invalid" (documented); only the latter prints JSON
        for (String[] args : new String[][] {
            {"backup", "validate", "--data-dir", dataDir.toString()},
            {"backup", "validate", "x", "--no-such-option"},
            {"backup", "list", "--backup-dir"}
        }) {
            CliRun r = run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.out()).as(String.join(" ", args)).isEmpty();
            assertThat(r.err()).as(String.join(" ", args)).contains("Usage:");
        }
    }

    @Test
    void pruneWithoutAPolicySaysWhatToPass() {
        CliRun r = run("backup", "prune", "--data-dir", dataDir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: INVALID_REQUEST: say what to keep: --keep N and/or --max-age 30d");
    }

    @Test
    void validateOfATamperedBackupPrintsOnlyJsonOnStdoutAndLogsOnStderr() throws Exception {
        String dir = dataDirWithTable().toString();
        String id = json(run("backup", "create", "--data-dir", dir)).path("id").asString();
        Path archive = dataDir.resolve("backups").resolve(id).resolve("database.duckdb.zst");
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(archive, bytes);

        CliRun validate = run("backup", "validate", id, "--data-dir", dir);
        assertThat(validate.exit()).as(validate.err()).isEqualTo(2);
        // stdout is the JSON document alone, so `> v.out` can be parsed
        JsonNode result = JsonMapper.shared().readTree(validate.out());
        assertThat(result.path("id").asString()).isEqualTo(id);
        assertThat(result.path("valid").asBoolean(true)).isFalse();
        assertThat(validate.out()).doesNotContain("WARN");
        assertThat(validate.err()).contains("WARN").contains("backup " + id + " is invalid");
    }

    @Test
    void listValidateAndPruneNeedOnlyTheBackupDirectoryWhenTheDatabaseIsGone() throws Exception {
        String dir = dataDirWithTable().toString();
        String older =
                json(run("backup", "create", "--data-dir", dir)).path("id").asString();
        String newer =
                json(run("backup", "create", "--data-dir", dir)).path("id").asString();
        // disaster recovery: a fresh data directory without a database, the backups copied elsewhere
        Files.delete(dataDir.resolve("analytics.duckdb"));
        String dr = dataDir.resolve("dr").toString();
        String backups = dataDir.resolve("backups").toString();

        CliRun validate = run("backup", "validate", older, "--data-dir", dr, "--backup-dir", backups);
        assertThat(json(validate).path("valid").asBoolean()).isTrue();
        assertThat(Path.of(dr, "analytics.duckdb")).doesNotExist();

        JsonNode list = json(run("backup", "list", "--data-dir", dr, "--backup-dir", backups));
        assertThat(list).hasSize(2);
        // the shape of GET /api/v1/backups
        assertThat(list.get(0).propertyNames())
                .contains("id", "createdAt", "sizeBytes", "locations", "tables", "sha256", "duckdbVersion");
        assertThat(list.get(0).path("id").asString()).isEqualTo(newer);
        assertThat(list.get(1).path("lastValidation").path("valid").asBoolean()).isTrue();
        assertThat(list.get(0).path("tables").toString()).contains(":1000");

        CliRun prune = run("backup", "prune", "--keep", "1", "--data-dir", dr, "--backup-dir", backups);
        assertThat(json(prune).path("deleted").get(0).asString()).isEqualTo(older);
        assertThat(Path.of(dr, "analytics.duckdb")).doesNotExist();
    }

    @Test
    void pruneTakesMaxAgeInTheConfigurationFormOrIso8601() {
        String dir = dataDirWithTable().toString();
        json(run("backup", "create", "--data-dir", dir));
        for (String age : new String[] {"30d", "P30D", "12h"}) {
            CliRun prune = run("backup", "prune", "--max-age", age, "--data-dir", dir);
            assertThat(json(prune).path("deleted")).as(age).isEmpty();
        }
        CliRun bare = run("backup", "prune", "--max-age", "30", "--data-dir", dir);
        assertThat(bare.exit()).isEqualTo(1);
        assertThat(bare.err()).startsWith("error: INVALID_REQUEST: --max-age \"30\" is not a duration");
    }

    @Test
    void negativeKeepNamesTheOptionTyped() {
        CliRun r = run("backup", "prune", "--keep", "-1", "--data-dir", dataDir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .startsWith("error: INVALID_REQUEST: --keep -1 is negative")
                .doesNotContain("duckbridge.backup");
    }

    private Path dataDirWithTable() {
        Path file = dataDir.resolve("analytics.duckdb");
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            engine.write(
                    session -> session.statement().execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)"));
        }
        return dataDir;
    }

    private static JsonNode json(CliRun r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return JsonMapper.shared().readTree(r.out());
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
