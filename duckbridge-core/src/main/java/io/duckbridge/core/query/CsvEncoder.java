package io.duckbridge.core.query;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Blob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * RFC 4180 CSV: a header line, CRLF line ends, fields quoted when they hold a comma, quote, CR or LF,
 * quotes doubled. NULL is an empty field. Values are DuckDB's own text form (readable back by DuckDB's
 * {@code read_csv}); DECIMALs in plain notation. {@link VectorCsvEncoder} writes the same bytes faster for
 * simple column types. Not thread-safe.
 */
public final class CsvEncoder implements RowEncoder {
    @Override
    public Written write(ResultSet rs, List<ResultColumn> columns, long maxRows, OutputStream out)
            throws SQLException, IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                w.write(',');
            }
            field(w, columns.get(i).name());
        }
        w.write("\r\n");
        int n = columns.size();
        long rows = 0;
        boolean truncated = false;
        while (rs.next()) {
            if (maxRows >= 0 && rows >= maxRows) {
                truncated = true;
                break;
            }
            for (int i = 1; i <= n; i++) {
                if (i > 1) {
                    w.write(',');
                }
                String text = text(rs, i, columns.get(i - 1).type());
                if (text != null) {
                    field(w, text);
                }
            }
            w.write("\r\n");
            rows++;
        }
        w.flush();
        return new Written(rows, truncated);
    }

    private static String text(ResultSet rs, int i, String type) throws SQLException {
        if ("BLOB".equals(type)) {
            Object v = rs.getObject(i);
            if (v == null) {
                return null;
            }
            // DuckDB's escaped form (\xAA) casts back to the same BLOB
            byte[] bytes = v instanceof Blob b ? JsonValues.blobBytes(b) : (byte[]) v;
            StringBuilder s = new StringBuilder(bytes.length * 4);
            for (byte b : bytes) {
                int c = b & 0xff;
                if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"' && c != '\'') {
                    s.append((char) c);
                } else {
                    s.append(String.format("\\x%02X", c));
                }
            }
            return s.toString();
        }
        if (type.startsWith("DECIMAL(") && type.endsWith(")")) {
            // the driver's text of a BigDecimal is scientific for small values (0E-10, 1E-7); DuckDB writes
            // 0.0000000000
            java.math.BigDecimal d = rs.getBigDecimal(i);
            return d == null ? null : d.toPlainString();
        }
        return rs.getString(i);
    }

    private static void field(Writer w, String value) throws IOException {
        w.write(field(value));
    }

    /**
     * {@code value} as one RFC 4180 field: quoted (inner quotes doubled) when it is empty or holds a comma,
     * quote, CR or LF, as is otherwise. For writers of this CSV elsewhere (the CLI's terminal output).
     */
    public static String field(String value) {
        boolean quote = value.isEmpty()
                || value.indexOf(',') >= 0
                || value.indexOf('"') >= 0
                || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0;
        return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }
}
