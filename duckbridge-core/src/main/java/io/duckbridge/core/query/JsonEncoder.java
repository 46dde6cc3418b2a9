package io.duckbridge.core.query;

import java.io.OutputStream;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;

/**
 * The JSON body of the HTTP contract, written while rows are read:
 * {@code {"queryId","columns":[{"name","type"}],"rows":[[..]],"rowCount","truncated","elapsedMs"}}; or,
 * for NDJSON, one object per row keyed by column name. Not thread-safe.
 */
final class JsonEncoder implements RowEncoder {
    // no separator between root values: NDJSON lines must not start with Jackson's default space
    // and no closing of what is open when a result fails half-way: a broken-off body must not parse as a
    // complete, shorter result (the client sees the HTTP body break off, and the JSON unfinished)
    static final JsonFactory FACTORY = JsonFactory.builder()
            .rootValueSeparator((String) null)
            .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT)
            .build();

    private final boolean ndjson;
    private final String queryId;
    private final long startNanos;

    JsonEncoder(boolean ndjson, String queryId, long startNanos) {
        this.ndjson = ndjson;
        this.queryId = queryId;
        this.startNanos = startNanos;
    }

    @Override
    public Written write(ResultSet rs, List<ResultColumn> columns, long maxRows, OutputStream out) throws SQLException {
        try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
            return ndjson ? writeLines(g, rs, columns, maxRows) : writeDocument(g, rs, columns, maxRows);
        }
    }

    private Written writeDocument(JsonGenerator g, ResultSet rs, List<ResultColumn> columns, long maxRows)
            throws SQLException {
        g.writeStartObject();
        g.writeStringProperty("queryId", queryId);
        g.writeName("columns");
        g.writeStartArray();
        for (ResultColumn c : columns) {
            g.writeStartObject();
            g.writeStringProperty("name", c.name());
            g.writeStringProperty("type", c.type());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeName("rows");
        g.writeStartArray();
        int n = columns.size();
        boolean[] time = timeColumns(columns);
        boolean[] huge = hugeColumns(columns);
        long rows = 0;
        boolean truncated = false;
        while (rs.next()) {
            if (maxRows >= 0 && rows >= maxRows) {
                truncated = true;
                break;
            }
            g.writeStartArray();
            for (int i = 1; i <= n; i++) {
                JsonValues.write(g, value(rs, i, time[i - 1]), huge[i - 1]);
            }
            g.writeEndArray();
            rows++;
        }
        g.writeEndArray();
        g.writeNumberProperty("rowCount", rows);
        g.writeBooleanProperty("truncated", truncated);
        g.writeNumberProperty("elapsedMs", (System.nanoTime() - startNanos) / 1_000_000);
        g.writeEndObject();
        return new Written(rows, truncated);
    }

    private static Written writeLines(JsonGenerator g, ResultSet rs, List<ResultColumn> columns, long maxRows)
            throws SQLException {
        int n = columns.size();
        boolean[] time = timeColumns(columns);
        boolean[] huge = hugeColumns(columns);
        long rows = 0;
        boolean truncated = false;
        while (rs.next()) {
            if (maxRows >= 0 && rows >= maxRows) {
                truncated = true;
                break;
            }
            g.writeStartObject();
            for (int i = 1; i <= n; i++) {
                g.writeName(columns.get(i - 1).name());
                JsonValues.write(g, value(rs, i, time[i - 1]), huge[i - 1]);
            }
            g.writeEndObject();
            g.writeRaw('\n');
            rows++;
        }
        return new Written(rows, truncated);
    }

    /**
     * Which columns are DuckDB {@code TIME} or {@code TIME_NS}: the types with a value Java's {@code LocalTime}
     * cannot hold.
     */
    private static boolean[] timeColumns(List<ResultColumn> columns) {
        boolean[] time = new boolean[columns.size()];
        for (int i = 0; i < time.length; i++) {
            time[i] = columns.get(i).type().equals("TIME")
                    || columns.get(i).type().equals("TIME_NS");
        }
        return time;
    }

    /**
     * Which columns hold HUGEINT or UHUGEINT values, alone or inside a LIST, ARRAY, STRUCT or MAP: their
     * integers are strings even when small, so a client reads one JSON type per column (inside a STRUCT or
     * MAP that also holds a UBIGINT, that UBIGINT is a string too: the driver reads both as BigInteger).
     */
    private static boolean[] hugeColumns(List<ResultColumn> columns) {
        boolean[] huge = new boolean[columns.size()];
        for (int i = 0; i < huge.length; i++) {
            huge[i] = HUGE.matcher(columns.get(i).type()).find();
        }
        return huge;
    }

    private static final Pattern HUGE = Pattern.compile("\\bU?HUGEINT\\b");

    /**
     * Column {@code i}'s value. DuckDB's {@code TIME} (and {@code TIME_NS}) runs to {@code 24:00:00} inclusive; the
     * driver reads a TIME as {@code LocalTime}, which ends at 23:59:59.999999999 and throws for exactly that value, so it is
     * written as DuckDB prints it.
     */
    private static Object value(ResultSet rs, int i, boolean time) throws SQLException {
        if (!time) {
            return rs.getObject(i);
        }
        try {
            return rs.getObject(i);
        } catch (java.time.DateTimeException e) {
            return "24:00:00";
        }
    }
}
