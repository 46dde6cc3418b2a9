package io.duckbridge.server.cli;

import io.duckbridge.core.backup.BackupCatalog;
import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.backup.BackupSettings;
import io.duckbridge.core.backup.RetentionPolicy;
import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.springframework.boot.convert.DurationStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code backup create|list|validate ID|restore ID|prune}: through a running server with {@code --url}, or
 * directly: {@code create} and {@code restore} on the database file when no server holds it (restore then
 * replaces the file of a stopped service); {@code list}, {@code validate} and {@code prune} on the backup
 * directory alone, so they also work while a server runs and when the database file is gone.
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
public final class BackupCommand implements java.util.concurrent.Callable<Integer> {
    /** Without a subcommand: the usage line, and the exit status of a usage error. */
    @Override
    public Integer call() {
        System.err.println("usage: backup create|list|validate ID|restore ID|prune (see backup --help)");
        return picocli.CommandLine.ExitCode.USAGE;
    }

    /** Options of the offline forms: where the backups are. */
    abstract static class Offline extends CliCommand {
        @Option(names = "--backup-dir", description = "backup directory (default: DATA-DIR/backups)")
        Path backupDir;

        Path backupDirectory() {
            return backupDir != null ? backupDir : server.dataDir.resolve("backups");
        }

        /**
         * Runs {@code work} with a backup service on the database file, opened in this process. Only for what
         * reads the database ({@code create}): list, validate and prune need the backup directory alone.
         */
        <T> T withService(Function<BackupService, T> work) {
            Path file = server.existingDatabaseFile().toAbsolutePath();
            try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
                return work.apply(new BackupService(engine, BackupSettings.defaults(backupDirectory())));
            }
        }

        /** The version of the DuckDB in this process, which validation compares with a backup's. */
        static String duckdbVersion() {
            try (var probe = DuckDbEngine.open(EngineSettings.defaults(EngineSettings.IN_MEMORY))) {
                return probe.duckdbVersion();
            }
        }

        static String encode(String id) {
            return ServerClient.pathSegment(id);
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
            // the API's shape (GET /api/v1/backups), from the directory alone
            var catalog = new BackupCatalog(BackupSettings.defaults(backupDirectory()));
            printJson(
                    out,
                    catalog.list().stream()
                            .map(m -> BackupService.describe(catalog, m))
                            .toList());
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
            // the backup directory alone: works while a server holds the database, and when the file is gone
            var progress = new ConsoleProgress(System.err);
            var validation = BackupService.validateOffline(backupDirectory(), id, duckdbVersion(), progress);
            progress.finish();
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("id", validation.id());
            result.put("valid", validation.valid());
            result.put("problems", validation.problems());
            if (!validation.notes().isEmpty()) {
                result.put("notes", validation.notes());
            }
            printJson(out, result);
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
            String duckdbVersion = duckdbVersion();
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
            description = "Delete backups beyond --keep or older than --max-age; never the newest valid one. Works on"
                    + " the backup directory, also while a server runs.")
    static final class Prune extends Offline {
        @Option(names = "--keep", description = "how many of the newest backups to keep")
        Integer keep;

        @Option(names = "--max-age", description = "delete backups older than this, e.g. 30d, 12h or ISO-8601 P30D")
        String maxAge;

        @Override
        int run(PrintStream out) {
            if (server.remote()) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "prune works on the backup directory, not through a server (which prunes by"
                                + " duckbridge.backup.retention.*): run it on the host that holds the backups,"
                                + " without --url; it works while the server runs");
            }
            if (keep == null && maxAge == null) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST, "say what to keep: --keep N and/or --max-age 30d");
            }
            if (keep != null && keep < 0) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST, "--keep " + keep + " is negative; use e.g. 7, or 0 for no limit");
            }
            var policy = new RetentionPolicy(keep == null ? 0 : keep, maxAge == null ? null : maxAge(maxAge));
            List<String> deleted = BackupService.pruneOffline(backupDirectory(), policy, Instant.now());
            printJson(out, Map.of("deleted", deleted));
            return 0;
        }

        /**
         * {@code --max-age} in the forms the configuration key {@code duckbridge.backup.retention.max-age} takes
         * ({@code 30d}, {@code 12h}) or ISO-8601 ({@code P30D}); a bare number is refused rather than read as
         * milliseconds.
         */
        static Duration maxAge(String value) {
            Duration age;
            try {
                if (value.strip().matches("[-+]?\\d+")) {
                    throw new IllegalArgumentException("no unit");
                }
                age = DurationStyle.detectAndParse(value.strip());
            } catch (IllegalArgumentException e) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "--max-age \"" + value + "\" is not a duration; use e.g. 30d, 12h or P30D");
            }
            if (age.isNegative() || age.isZero()) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST, "--max-age " + value + " is not positive; use e.g. 30d");
            }
            return age;
        }
    }
}
