package io.duckbridge.server.cli;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSandbox;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.query.QueryFormat;
import io.duckbridge.core.query.QueryLimits;
import io.duckbridge.core.query.QueryRecorder;
import io.duckbridge.core.query.QueryRequest;
import io.duckbridge.core.query.QueryRunner;
import io.duckbridge.core.query.TerminalWidth;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import java.util.UUID;
import org.springframework.boot.convert.DurationStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code query "SQL" [--format table|csv|json]}: runs one query on the database file, or through a running
 * server with {@code --url}; both print the same: {@code json} is the body of {@code POST /api/v1/query}
 * ({@code {"queryId","columns","rows","rowCount","truncated","elapsedMs"}}), {@code csv} its CSV with a
 * terminal's line ends ({@code \n}), {@code table} that CSV's text aligned in columns. Prints one error
 * line (class and message) and exits 1 on failure.
 */
@Command(
        name = "query",
        mixinStandardHelpOptions = true,
        description = "Run a read-only SQL query.",
        preprocessor = QueryCommand.SqlArgument.class)
public final class QueryCommand extends CliCommand {
    /** Output formats. */
    public enum Format {
        table,
        csv,
        json
    }

    @Parameters(
            index = "0",
            paramLabel = "SQL",
            converter = SqlArgument.class,
            description = "the query (it may start with a -- comment)")
    String sql;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--max-rows", defaultValue = "10000", description = "most rows to print")
    int maxRows;

    @Option(
            names = "--timeout",
            description = "how long the query may run, e.g. 30s, 5m or 30000 (milliseconds); default and maximum as"
                    + " the server's duckbridge.query.default-timeout and max-timeout (30s and 5m without --url)")
    String timeout;

    @Override
    int run(PrintStream out) {
        if (maxRows < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "--max-rows " + maxRows + " is negative; use e.g. 10000");
        }
        Duration limit = timeout == null ? null : timeout(timeout, !server.remote());
        try {
            return print(out, limit);
        } catch (OutOfMemoryError e) {
            throw outOfMemory(e.toString());
        } catch (DuckbridgeException e) {
            // the engine's advice is for the service's HTTP clients; in this process only the CLI's own use of
            // the heap can run out
            throw e.errorClass() == ErrorClass.OUT_OF_MEMORY && !server.remote() ? outOfMemory(e.getMessage()) : e;
        }
    }

    private int print(PrintStream out, Duration limit) {
        if (format == Format.json) {
            var body = new CsvLines.LastByte(out);
            result(QueryFormat.JSON, maxRows, limit, body);
            if (body.last() != '\n') {
                out.println(); // the JSON document has no line end of its own
            }
            out.flush();
            return 0;
        }
        // one row more than is printed, so a cut result can say so (CSV has no truncated flag of its own)
        int fetch = maxRows == Integer.MAX_VALUE ? maxRows : maxRows + 1;
        boolean truncated;
        if (format == Format.csv) {
            // streamed: each record printed as it comes, never the whole result in memory
            var buffered = new BufferedOutputStream(out, 1 << 16);
            var csv = new CsvLines(buffered, maxRows + 1L);
            result(QueryFormat.CSV, fetch, limit, csv);
            csv.finish();
            truncated = csv.truncated();
            try {
                buffered.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.flush();
        } else {
            // the widths of the columns need every row first
            var bytes = new ByteArrayOutputStream();
            var csv = new CsvLines(bytes, maxRows + 1L);
            result(QueryFormat.CSV, fetch, limit, csv);
            csv.finish();
            truncated = csv.truncated();
            printTable(out, parseCsv(bytes.toString(StandardCharsets.UTF_8)), truncated);
            out.flush();
        }
        if (truncated) {
            System.err.println("warning: the result has more than " + maxRows + " rows; only the first " + maxRows
                    + " are printed (raise --max-rows, or use --format json to see \"truncated\")");
        }
        return 0;
    }

    /** The result in {@code wire} format, from the server or the file, written to {@code target} as it comes. */
    private void result(QueryFormat wire, int rows, Duration limit, OutputStream target) {
        if (!server.remote()) {
            direct(wire, target, rows, limit);
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sql", sql);
        body.put("maxRows", rows);
        if (limit != null) {
            body.put("timeoutMs", limit.toMillis());
        }
        try (ServerClient client = server.client()) {
            // Ctrl-C ends this process; the hook asks the server to stop the query too, which would otherwise
            // compute on, holding a slot, until its timeout
            String requestId = "cli-" + UUID.randomUUID();
            Thread cancelOnExit = new Thread(() -> client.cancelQuietly(requestId), "duckbridge-query-cancel");
            Runtime.getRuntime().addShutdownHook(cancelOnExit);
            try {
                client.postStreaming("/api/v1/query", body, wire.mediaType(), target, requestId);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(cancelOnExit);
                } catch (IllegalStateException exiting) {
                    // the hook is running already
                }
            }
        }
    }

    private DuckbridgeException outOfMemory(String cause) {
        return new DuckbridgeException(
                ErrorClass.OUT_OF_MEMORY,
                "this command's JVM heap ran out while handling the result (" + cause + "): "
                        + (format == Format.table
                                ? "--format table holds every row to align the columns; lower --max-rows, or use"
                                        + " --format csv or json, which print rows as they come"
                                : "a value or row is too large; ask for smaller values (e.g. left(s, 1000)), or raise"
                                        + " the heap (JDK_JAVA_OPTIONS=-Xmx4g)"));
    }

    /**
     * {@code --timeout} in the forms {@code duckbridge.query.default-timeout} takes ({@code 30s}, {@code 5m},
     * ISO-8601 {@code PT30S}, or a bare number of milliseconds as {@code timeoutMs}).
     *
     * @param offline whether the query runs in this process, where the service's default maximum (5 min) applies;
     *     through a server its {@code duckbridge.query.max-timeout} decides
     */
    static Duration timeout(String value, boolean offline) {
        Duration parsed;
        try {
            parsed = DurationStyle.detectAndParse(value.strip());
        } catch (IllegalArgumentException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "--timeout \"" + value + "\" is not a duration; use e.g. 30s, 5m or 30000 (milliseconds)");
        }
        if (parsed.toMillis() < 1) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "--timeout " + value + " is not positive; use e.g. 30s");
        }
        Duration max = QueryLimits.defaults().maxTimeout();
        if (offline && parsed.compareTo(max) > 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "--timeout " + value + " is above the maximum of " + max.toMinutes() + "m a query may run (as"
                            + " the service's default duckbridge.query.max-timeout); use at most " + max.toMinutes()
                            + "m, or export the result (export --sql) for longer work");
        }
        return parsed;
    }

    /**
     * Writes the result to {@code target} in {@code wire} format as {@code POST /api/v1/query} does: the
     * server's own {@link QueryRunner}, guard, encoders and limits (default timeout 30 s, at most 5 min) run
     * on the file, so values read the same in both modes.
     */
    private void direct(QueryFormat wire, OutputStream target, int rows, Duration limit) {
        Path file = server.existingDatabaseFile().toAbsolutePath();
        QueryLimits defaults = QueryLimits.defaults();
        var limits = new QueryLimits(
                defaults.defaultTimeout(), defaults.maxTimeout(), Math.max(1, rows), defaults.arrowBatchSize());
        try (var engine = DuckDbEngine.open(settings(file, server.dataDir));
                var runner = new QueryRunner(
                        engine, server.queryGuard(), limits, new QueryRecorder(1), server.dataDir.resolve("tmp"))) {
            runner.run(new QueryRequest(sql, List.of(), Map.of(), rows, limit), wire, f -> target);
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

    /**
     * The CSV text as an aligned table. A NULL shows as {@code NULL} (an empty string as an empty cell), and a line
     * end, tab or other control character inside a value as its escape ({@code \n}, {@code \t}, {@code \x07}), so
     * every row stays on one line (a backslash stays as it is, as in DuckDB's text of a BLOB: the table is for
     * reading, csv and json give values exactly); the columns are aligned by terminal width, where East Asian wide
     * characters and emoji take two columns.
     */
    private static void printTable(PrintStream out, List<List<String>> csv, boolean truncated) {
        List<String> header = csv.isEmpty() ? List.of() : csv.getFirst();
        List<List<String>> rows = csv.isEmpty() ? List.of() : csv.subList(1, csv.size());
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = TerminalWidth.of(header.get(i));
            for (List<String> r : rows) {
                widths[i] = Math.max(widths[i], TerminalWidth.of(cell(r, i)));
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
        if (i >= row.size()) {
            return "";
        }
        String value = row.get(i);
        if (value == null) {
            return "NULL";
        }
        StringBuilder shown = new StringBuilder(value.length());
        value.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> shown.append("\\n");
                case '\r' -> shown.append("\\r");
                case '\t' -> shown.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        shown.append(String.format("\\x%02X", c));
                    } else {
                        shown.appendCodePoint(c);
                    }
                }
            }
        });
        return shown.toString();
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
            sb.append(v).append(" ".repeat(widths[i] - TerminalWidth.of(v)));
        }
        return sb.toString().stripTrailing();
    }

    /**
     * Lets the SQL start with a {@code --} comment, as SQL copied from a file often does: picocli took such an
     * argument for an unknown option and answered "Missing required parameter: 'SQL'". An argument that starts
     * with {@code -} and has whitespace before any {@code =} cannot be an option (option names hold no
     * whitespace, and an attached value follows the {@code =}), so the preprocessor marks it as a parameter and
     * the converter takes the mark off again; a mistyped option ({@code --formt}) is still an unknown option.
     * The mark is a NUL character, which no argument of a process can contain. Stateless.
     */
    static final class SqlArgument implements IParameterPreprocessor, ITypeConverter<String> {
        private static final char MARK = '\0';

        /** Called once with every argument of the command; the top of the stack is the first. */
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec spec, ArgSpec argSpec, Map<String, Object> info) {
            for (int i = args.size() - 1; i >= 0; i--) {
                String arg = args.get(i);
                String previous = i + 1 < args.size() ? args.get(i + 1) : null;
                if (cannotBeOption(arg) && !takesValue(spec, previous)) {
                    args.set(i, MARK + arg);
                }
            }
            return false;
        }

        @Override
        public String convert(String value) {
            return !value.isEmpty() && value.charAt(0) == MARK ? value.substring(1) : value;
        }

        static boolean cannotBeOption(String arg) {
            if (arg.length() < 2 || arg.charAt(0) != '-') {
                return false;
            }
            int equals = arg.indexOf('=');
            for (int i = 1; i < (equals < 0 ? arg.length() : equals); i++) {
                if (Character.isWhitespace(arg.charAt(i))) {
                    return true;
                }
            }
            return false;
        }

        /** Whether {@code arg} is an option whose value is the next argument ({@code --data-dir "- x"}). */
        private static boolean takesValue(CommandSpec spec, String arg) {
            OptionSpec option = arg == null ? null : spec.findOption(arg);
            return option != null && option.arity().max() > 0;
        }
    }
}
