package io.duckbridge.server.cli;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.query.QueryGuard;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code query "SQL" [--format table|csv|json]}: runs one query on the database file, or through a running
 * server with {@code --url}. Prints one error line (class and message) and exits 1 on failure.
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

    @Override
    int run(PrintStream out) {
        return server.remote() ? viaServer(out) : direct(out);
    }

    private int direct(PrintStream out) {
        Path file = server.existingDatabaseFile().toAbsolutePath();
        // "query" reads, on the file as through a server
        QueryGuard guard = server.queryGuard();
        try (var engine =
                DuckDbEngine.open(EngineSettings.defaults(file.toString()).withReaders(1, 1))) {
            Table table = engine.read(Duration.ofMinutes(10), session -> {
                String checked = guard.check(session.connection(), sql).sql();
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery(checked)) {
                    ResultSetMetaData md = rs.getMetaData();
                    List<String> header = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        header.add(md.getColumnLabel(i));
                    }
                    List<List<String>> rows = new ArrayList<>();
                    while (rs.next() && rows.size() < maxRows) {
                        List<String> row = new ArrayList<>();
                        for (int i = 1; i <= header.size(); i++) {
                            Object v = rs.getObject(i);
                            row.add(v == null ? null : v.toString());
                        }
                        rows.add(row);
                    }
                    return new Table(header, rows);
                }
            });
            print(out, table);
            return 0;
        }
    }

    private int viaServer(PrintStream out) {
        String accept = format == Format.csv ? "text/csv" : "application/json";
        String body;
        try (ServerClient client = server.client()) {
            body = client.postRaw("/api/v1/query", Map.of("sql", sql, "maxRows", maxRows), accept);
        }
        if (format != Format.table) {
            out.print(body);
            return 0;
        }
        JsonNode json = JsonMapper.shared().readTree(body);
        List<String> header = new ArrayList<>();
        json.path("columns").forEach(c -> header.add(c.path("name").asString()));
        List<List<String>> rows = new ArrayList<>();
        json.path("rows").forEach(r -> {
            List<String> row = new ArrayList<>();
            r.forEach(v -> row.add(v.isNull() ? null : v.isString() ? v.asString() : v.toString()));
            rows.add(row);
        });
        print(out, new Table(header, rows));
        return 0;
    }

    private void print(PrintStream out, Table table) {
        switch (format) {
            case csv -> {
                out.println(String.join(
                        ",", table.header().stream().map(QueryCommand::csv).toList()));
                table.rows()
                        .forEach(r -> out.println(String.join(
                                ",", r.stream().map(QueryCommand::csv).toList())));
            }
            case json ->
                out.println(JsonMapper.shared()
                        .writeValueAsString(Map.of("columns", table.header(), "rows", table.rows())));
            case table -> {
                int[] widths = new int[table.header().size()];
                for (int i = 0; i < widths.length; i++) {
                    widths[i] = table.header().get(i).length();
                    for (List<String> r : table.rows()) {
                        widths[i] = Math.max(widths[i], String.valueOf(r.get(i)).length());
                    }
                }
                out.println(line(table.header(), widths));
                StringBuilder rule = new StringBuilder();
                for (int w : widths) {
                    rule.append(rule.isEmpty() ? "" : "-+-").append("-".repeat(w));
                }
                out.println(rule);
                table.rows().forEach(r -> out.println(line(r, widths)));
                out.println("(" + table.rows().size() + " rows)");
            }
        }
    }

    private static String line(List<String> values, int[] widths) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            sb.append(i == 0 ? "" : " | ");
            String v = String.valueOf(values.get(i));
            sb.append(v).append(" ".repeat(widths[i] - v.length()));
        }
        return sb.toString().stripTrailing();
    }

    private static String csv(String v) {
        if (v == null) {
            return "";
        }
        if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }

    private record Table(List<String> header, List<List<String>> rows) {}
}
