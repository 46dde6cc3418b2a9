package io.duckbridge.server.cli;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobFailure;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.SyncSettings;
import io.duckbridge.core.sync.TableSync;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sync [TABLE...] [--mode full|incremental]}: copies tables from PostgreSQL into DuckDB. */
@Command(name = "sync", mixinStandardHelpOptions = true, description = "Sync tables from PostgreSQL into DuckDB.")
public final class SyncCommand extends CliCommand {
    /** Sync modes. */
    public enum Mode {
        full,
        incremental
    }

    @Parameters(
            paramLabel = "TABLE",
            arity = "0..*",
            description = "schema.table names (default: every configured table)")
    List<String> tables = List.of();

    @Option(names = "--mode", defaultValue = "full", description = "full or incremental (default: ${DEFAULT-VALUE})")
    Mode mode;

    @Option(
            names = "--postgres-url",
            defaultValue = "${env:DUCKBRIDGE_POSTGRES_URL}",
            description = "source JDBC URL for a direct sync (default: $DUCKBRIDGE_POSTGRES_URL)")
    String postgresUrl;

    @Option(
            names = "--postgres-username",
            defaultValue = "${env:DUCKBRIDGE_POSTGRES_USERNAME}",
            description = "source user (default: $DUCKBRIDGE_POSTGRES_USERNAME); the password comes from"
                    + " $DUCKBRIDGE_POSTGRES_PASSWORD")
    String postgresUsername;

    @Override
    int run(PrintStream out) {
        if (!server.remote()) {
            return direct(out);
        }
        try (ServerClient client = server.client()) {
            // the tables named go in one job: one snapshot, one JSON document
            StringBuilder path = new StringBuilder("/api/v1/sync?mode=" + mode);
            for (String table : tables) {
                path.append("&table=")
                        .append(java.net.URLEncoder.encode(table, java.nio.charset.StandardCharsets.UTF_8));
            }
            return followAndPrint(client, client.post(path.toString(), null), out);
        }
    }

    /** Syncs into the database file in this process (no server may hold the file). */
    private int direct(PrintStream out) {
        if (postgresUrl == null || postgresUrl.isBlank()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "a direct sync needs the source: pass --postgres-url (or set DUCKBRIDGE_POSTGRES_URL), or --url"
                            + " to go through a running server");
        }
        var source = new PostgresSource(postgresUrl, postgresUsername, System.getenv("DUCKBRIDGE_POSTGRES_PASSWORD"));
        Path file = server.databaseFile().toAbsolutePath();
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            var sync = new TableSync(engine, source, null, SyncSettings.defaults());
            List<TableName> names = tables.isEmpty()
                    ? null
                    : tables.stream().map(TableName::parse).toList();
            var progress = new ConsoleProgress(System.err);
            Map<String, Object> result;
            try {
                result = sync.run(names, mode == Mode.full ? SyncMode.FULL : SyncMode.INCREMENTAL, progress);
            } catch (JobFailure failed) {
                // as through a server: what did succeed (the tables that synced) goes to stdout, the failure to
                // stderr and the exit code
                printJson(out, failed.result());
                throw failed;
            }
            progress.finish();
            printJson(out, result);
            return 0;
        }
    }
}
