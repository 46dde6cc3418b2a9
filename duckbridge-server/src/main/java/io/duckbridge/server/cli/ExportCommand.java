package io.duckbridge.server.cli;

import io.duckbridge.core.lake.ExportMode;
import io.duckbridge.core.lake.ExportRequest;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code export (--table T | --sql SQL) --target T ...}: publishes Parquet to disk or S3, from the database file
 * directly or through a running server with {@code --url}.
 */
@Command(name = "export", mixinStandardHelpOptions = true, description = "Export a table or query to Parquet.")
public final class ExportCommand extends CliCommand {
    static final class What {
        @Option(names = "--table", description = "table to export")
        String table;

        @Option(names = "--sql", description = "read-only query to export")
        String sql;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Option(names = "--target", required = true, description = "s3://bucket/prefix or file:relative/dir")
    String target;

    @Option(names = "--partition-by", split = ",", description = "Hive partition columns")
    List<String> partitionBy = List.of();

    @Option(names = "--order-by", split = ",", description = "sort columns")
    List<String> orderBy = List.of();

    @Option(
            names = "--mode",
            defaultValue = "error",
            description = "overwrite, append or error (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--compression-level", description = "zstd level")
    Integer compressionLevel;

    @Mixin
    LakeOptions lake = new LakeOptions();

    @Override
    int run(PrintStream out) {
        if (!server.remote()) {
            return direct(out);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (what.table != null) {
            body.put("table", what.table);
        } else {
            body.put("sql", what.sql);
        }
        body.put("target", target);
        body.put("partitionBy", partitionBy);
        body.put("orderBy", orderBy);
        body.put("mode", mode);
        if (compressionLevel != null) {
            body.put("compressionLevel", compressionLevel);
        }
        try (ServerClient client = server.client()) {
            return followAndPrint(client, client.post("/api/v1/exports", body), out);
        }
    }

    /** Exports from the database file in this process (no server may hold it). */
    private int direct(PrintStream out) {
        var request = new ExportRequest(
                what.table,
                what.sql,
                target,
                partitionBy,
                orderBy,
                null,
                compressionLevel,
                null,
                null,
                ExportMode.parse(mode));
        return lake.runAndPrint(
                server, target, (l, progress) -> l.export(request, progress).toMap(), out);
    }
}
