package io.duckbridge.server.cli;

import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.backup.BackupSettings;
import io.duckbridge.core.backup.RetentionPolicy;
import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code backup create|list|validate ID|restore ID|prune}: through a running server with {@code --url}, or
 * on the database file and backup directory directly when no server holds them (restore then replaces
 * the file of a stopped service).
 */
@Command(
        name = "backup",
        mixinStandardHelpOptions = true,
        description = "Create, list, validate, restore and prune backups.",
        subcommands = {
            BackupCommand.Create.class,
            BackupCommand.ListBackups.class,
            BackupCommand.Validate.class,
            BackupCommand.Restore.class,
            BackupCommand.Prune.class
        })
public final class BackupCommand implements Runnable {
    @Override
    public void run() {
        System.err.println("usage: backup create|list|validate ID|restore ID|prune (see backup --help)");
    }

    /** Options of the offline forms: where the backups are. */
    abstract static class Offline extends CliCommand {
        @Option(names = "--backup-dir", description = "backup directory (default: DATA-DIR/backups)")
        Path backupDir;

        Path backupDirectory() {
            return backupDir != null ? backupDir : server.dataDir.resolve("backups");
        }

        /** Runs {@code work} with a backup service on the database file, opened in this process. */
        <T> T withService(Function<BackupService, T> work) {
            Path file = server.existingDatabaseFile().toAbsolutePath();
            try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
                return work.apply(new BackupService(engine, BackupSettings.defaults(backupDirectory())));
            }
        }

        static String encode(String id) {
            return URLEncoder.encode(id, StandardCharsets.UTF_8);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Take a consistent backup now.")
    static final class Create extends Offline {
        @Override
        int run(PrintStream out) {
            if (server.remote()) {
                try (ServerClient client = server.client()) {
                    return followAndPrint(client, client.post("/api/v1/backups", null), out);
                }
            }
            var progress = new ConsoleProgress(System.err);
            printJson(out, withService(service -> {
                var manifest = service.create(progress);
                progress.finish();
                return service.describe(manifest);
            }));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List backups, newest first.")
    static final class ListBackups extends Offline {
        @Override
        int run(PrintStream out) {
            if (server.remote()) {
                try (ServerClient client = server.client()) {
                    printJson(out, client.get("/api/v1/backups"));
                    return 0;
                }
            }
            var catalog = new io.duckbridge.core.backup.BackupCatalog(BackupSettings.defaults(backupDirectory()));
            List<Map<String, Object>> rows = catalog.list().stream()
                    .map(m -> {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("id", m.id());
                        row.put("tables", m.rowCounts());
                        return row;
                    })
                    .toList();
            printJson(out, rows);
            return 0;
        }
    }

    @Command(
            name = "validate",
            mixinStandardHelpOptions = true,
            description = "Check a backup's checksums and contents; exit status 2 when it is invalid.")
    static final class Validate extends Offline {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run(PrintStream out) {
            if (server.remote()) {
                try (ServerClient client = server.client()) {
                    var result = client.post("/api/v1/backups/" + encode(id) + "/validate", null);
                    printJson(out, result);
                    return result.path("valid").asBoolean(false) ? 0 : 2;
                }
            }
            var validation = withService(service -> service.validate(id, new ConsoleProgress(System.err)));
            printJson(
                    out, Map.of("id", validation.id(), "valid", validation.valid(), "problems", validation.problems()));
            return validation.valid() ? 0 : 2;
        }
    }

    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            description = "Restore a backup: online through --url, or into the file of a stopped service.")
    static final class Restore extends Offline {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run(PrintStream out) {
            if (server.remote()) {
                try (ServerClient client = server.client()) {
                    return followAndPrint(client, client.post("/api/v1/backups/" + encode(id) + "/restore", null), out);
                }
            }
            String duckdbVersion;
            try (var probe = DuckDbEngine.open(EngineSettings.defaults(EngineSettings.IN_MEMORY))) {
                duckdbVersion = probe.duckdbVersion();
            }
            var result = BackupService.restoreOffline(
                    backupDirectory(),
                    id,
                    server.databaseFile().toAbsolutePath(),
                    duckdbVersion,
                    new ConsoleProgress(System.err));
            printJson(out, Map.of("id", result.id(), "tables", result.tables()));
            return 0;
        }
    }

    @Command(
            name = "prune",
            mixinStandardHelpOptions = true,
            description = "Delete backups beyond --keep or older than --max-age; never the newest valid one.")
    static final class Prune extends Offline {
        @Option(names = "--keep", description = "how many backups to keep")
        Integer keep;

        @Option(names = "--max-age", description = "delete backups older than this ISO-8601 duration, e.g. P14D")
        Duration maxAge;

        @Override
        int run(PrintStream out) {
            if (server.remote()) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "prune runs where the backups are: the server prunes on its own schedule"
                                + " (duckbridge.backup.retention.*); run this command on that host without --url");
            }
            if (keep == null && maxAge == null) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST, "say what to keep: --keep N and/or --max-age P14D");
            }
            var policy = new RetentionPolicy(keep == null ? 0 : keep, maxAge);
            List<String> deleted = withService(service -> service.prune(policy, Instant.now()));
            printJson(out, Map.of("deleted", deleted));
            return 0;
        }
    }
}
