package io.duckbridge.server.cli;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSandbox;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.query.CsvEncoder;
import io.duckbridge.core.query.QueryFormat;
import io.duckbridge.core.query.QueryLimits;
import io.duckbridge.core.query.QueryRecorder;
import io.duckbridge.core.query.QueryRequest;
import io.duckbridge.core.query.QueryRunner;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code query "SQL" [--format table|csv|json]}: runs one query on the database file, or through a running
 * server with {@code --url}; both print the same: {@code json} is the body of {@code POST /api/v1/query}
 * ({@code {"queryId","columns","rows","rowCount","truncated","elapsedMs"}}), {@code csv} its CSV with a
 * terminal's line ends ({@code \n}), {@code table} that CSV's text aligned in columns. Prints one error
 * line (class and message) and exits 1 on failure.
 */
@Command(name = "query", mixinStandardHelpOptions = true, description = "Run a read-only SQL query.")
public final class QueryCommand extends CliCommand {
    /** Output formats. */
    public enum Format {
        table,
        csv,
        json
    }

    @Parameters(index = "0", paramLabel = "SQL", description = "the query")
    String sql;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--max-rows", defaultValue = "10000", description = "most rows to print")
    int maxRows;

    /** How long a query on the file may run. */
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    @Override
    int run(PrintStream out) {
        if (maxRows < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "--max-rows " + maxRows + " is negative; use e.g. 10000");
        }
        QueryFormat wire = format == Format.json ? QueryFormat.JSON : QueryFormat.CSV;
        if (format == Format.json) {
            byte[] body = null;
            if (server.remote()) {
                body = viaServer(wire, maxRows);
                out.write(body, 0, body.length);
            } else {
                direct(wire, out, maxRows);
            }
            if (body == null || body.length == 0 || body[body.length - 1] != '\n') {
                out.println(); // the JSON document has no line end of its own
            }
            out.flush();
            return 0;
        }
        // one row more than is printed, so a cut result can say so (CSV has no truncated flag of its own)
        int fetch = maxRows == Integer.MAX_VALUE ? maxRows : maxRows + 1;
        var csv = new ByteArrayOutputStream();
        if (server.remote()) {
            csv.writeBytes(viaServer(wire, fetch));
        } else {
            direct(wire, csv, fetch);
        }
        List<List<String>> records = parseCsv(csv.toString(StandardCharsets.UTF_8));
        boolean truncated = records.size() > (long) maxRows + 1;
        if (truncated) {
            records = records.subList(0, maxRows + 1);
            System.err.println("warning: the result has more than " + maxRows + " rows; only the first " + maxRows
                    + " are printed (raise --max-rows, or use --format json to see \"truncated\")");
        }
        if (format == Format.table) {
            printTable(out, records, truncated);
        } else {
            // the server's CSV, with a terminal's line ends
            records.forEach(r -> out.println(String.join(
                    ",",
                    r.stream().map(v -> v == null ? "" : CsvEncoder.field(v)).toList())));
        }
        out.flush();
        return 0;
    }

    /**
     * Writes the result to {@code target} in {@code wire} format as {@code POST /api/v1/query} does: the
     * server's own {@link QueryRunner}, guard and encoders run on the file, so values read the same in both
     * modes.
     */
    private void direct(QueryFormat wire, OutputStream target, int rows) {
        Path file = server.existingDatabaseFile().toAbsolutePath();
        var limits = new QueryLimits(
                TIMEOUT, TIMEOUT, Math.max(1, rows), QueryLimits.defaults().arrowBatchSize());
        try (var engine = DuckDbEngine.open(settings(file, server.dataDir));
                var runner = new QueryRunner(
                        engine, server.queryGuard(), limits, new QueryRecorder(1), server.dataDir.resolve("tmp"))) {
            runner.run(new QueryRequest(sql, List.of(), Map.of(), rows, null), wire, f -> target);
        }
    }

    /**
     * The engine for a query on the file: one reader and, as in the service, DuckDB's own sandbox behind the
     * guard (external access limited to the data directory and the file's, configuration locked).
     */
    public static EngineSettings settings(Path file, Path dataDir) {
        Path database = file.toAbsolutePath();
        return EngineSettings.defaults(database.toString())
                .withReaders(1, 1)
                .withSandbox(EngineSandbox.of(dataDir.toAbsolutePath(), database.getParent()));
    }

    private byte[] viaServer(QueryFormat wire, int rows) {
        try (ServerClient client = server.client()) {
            return client.postRaw("/api/v1/query", Map.of("sql", sql, "maxRows", rows), wire.mediaType())
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The CSV text as an aligned table; a NULL shows as an empty cell, as in the CSV. */
    private static void printTable(PrintStream out, List<List<String>> csv, boolean truncated) {
        List<String> header = csv.isEmpty() ? List.of() : csv.getFirst();
        List<List<String>> rows = csv.isEmpty() ? List.of() : csv.subList(1, csv.size());
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = header.get(i).length();
            for (List<String> r : rows) {
                widths[i] = Math.max(widths[i], cell(r, i).length());
            }
        }
        out.println(line(header, widths));
        StringBuilder rule = new StringBuilder();
        for (int w : widths) {
            rule.append(rule.isEmpty() ? "" : "-+-").append("-".repeat(w));
        }
        out.println(rule);
        rows.forEach(r -> out.println(line(r, widths)));
        out.println("(" + rows.size() + " rows" + (truncated ? ", cut at --max-rows" : "") + ")");
    }

    private static String cell(List<String> row, int i) {
        return i < row.size() && row.get(i) != null ? row.get(i) : "";
    }

    /**
     * Reads the RFC 4180 text of {@code CsvEncoder} (the server's CSV): fields quoted when they hold a comma,
     * quote or line end, quotes doubled, CRLF between records; an unquoted empty field is NULL.
     */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i++);
            if (quoted) {
                if (c != '"') {
                    field.append(c);
                } else if (i < text.length() && text.charAt(i) == '"') {
                    field.append('"');
                    i++;
                } else {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',' || c == '\n') {
                record.add(field.isEmpty() && !wasQuoted ? null : field.toString());
                field.setLength(0);
                wasQuoted = false;
                if (c == '\n') {
                    records.add(record);
                    record = new ArrayList<>();
                }
            } else if (c != '\r') {
                field.append(c);
            }
        }
        if (!field.isEmpty() || wasQuoted || !record.isEmpty()) {
            record.add(field.isEmpty() && !wasQuoted ? null : field.toString());
            records.add(record);
        }
        return records;
    }

    private static String line(List<String> values, int[] widths) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            sb.append(i == 0 ? "" : " | ");
            String v = cell(values, i);
            sb.append(v).append(" ".repeat(widths[i] - v.length()));
        }
        return sb.toString().stripTrailing();
    }
}
