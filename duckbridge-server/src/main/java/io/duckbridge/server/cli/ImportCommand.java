package io.duckbridge.server.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code import --source S --table T [--mode create|append|replace]}: loads Parquet into a table. */
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

    @Override
    int run(PrintStream out) {
        if (!server.remote()) {
            throw offlineUnsupported("import");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("table", table);
        body.put("mode", mode);
        try (ServerClient client = server.client()) {
            return followAndPrint(client, client.post("/api/v1/imports", body), out);
        }
    }
}
