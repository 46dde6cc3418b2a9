package io.duckbridge.server.cli;

import io.duckbridge.core.lake.ImportMode;
import io.duckbridge.core.lake.ImportRequest;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code import --source S --table T [--mode create|append|replace]}: loads Parquet into a table of the database
 * file directly or through a running server with {@code --url}.
 */
@Command(name = "import", mixinStandardHelpOptions = true, description = "Import Parquet files into a table.")
public final class ImportCommand extends CliCommand {
    @Option(names = "--source", required = true, description = "s3://bucket/prefix/**/*.parquet or file:...")
    String source;

    @Option(names = "--table", required = true, description = "target table")
    String table;

    @Option(
            names = "--mode",
            defaultValue = "create",
            description = "create, append or replace (default: ${DEFAULT-VALUE})")
    String mode;

    @Mixin
    LakeOptions lake = new LakeOptions();

    @Override
    int run(PrintStream out) {
        if (!server.remote()) {
            return direct(out);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("table", table);
        body.put("mode", mode);
        try (ServerClient client = server.client()) {
            return followAndPrint(client, client.post("/api/v1/imports", body), out);
        }
    }

    /** Imports into the database file in this process (no server may hold it). */
    private int direct(PrintStream out) {
        var request = new ImportRequest(source, table, ImportMode.parse(mode), null, null);
        return lake.runAndPrint(
                server,
                source,
                (l, progress) -> l.importParquet(request, progress).toMap(),
                out);
    }
}
