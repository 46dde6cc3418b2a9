package io.duckbridge.server.cli;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sync [TABLE...] [--mode full|incremental]}: copies tables from PostgreSQL into DuckDB. */
@Command(name = "sync", mixinStandardHelpOptions = true, description = "Sync tables from PostgreSQL into DuckDB.")
public final class SyncCommand extends JobCommands {
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

    @Override
    int run(PrintStream out) {
        if (!server.remote()) {
            throw offlineUnsupported("sync");
        }
        try (ServerClient client = server.client()) {
            if (tables.isEmpty()) {
                return followAndPrint(client, client.post("/api/v1/sync?mode=" + mode, null), out);
            }
            for (String table : tables) {
                String path = "/api/v1/sync/" + URLEncoder.encode(table, StandardCharsets.UTF_8) + "?mode=" + mode;
                followAndPrint(client, client.post(path, null), out);
            }
            return 0;
        }
    }
}
