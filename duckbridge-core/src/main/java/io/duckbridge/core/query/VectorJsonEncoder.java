package io.duckbridge.core.query;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;

/**
 * The same JSON and NDJSON bodies as {@link JsonEncoder}, written column by column from DuckDB's Arrow
 * export (see {@link ArrowTextEncoder}); the output is byte for byte what {@link JsonEncoder} writes for the
 * same rows. Not thread-safe.
 */
final class VectorJsonEncoder extends ArrowTextEncoder {
    private static final long MAX_SAFE = 9_007_199_254_740_992L; // 2^53, as JsonValues
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final ByteTest ESCAPED = b -> (b < 0x20 && b >= 0) || b == '"' || b == '\\';

    private final boolean ndjson;
    private final String queryId;
    private final long startNanos;
    private byte[][] names;

    VectorJsonEncoder(boolean ndjson, String queryId, long startNanos, BufferAllocator allocator, int batchSize) {
        super(allocator, batchSize);
        this.ndjson = ndjson;
        this.queryId = queryId;
        this.startNanos = startNanos;
    }

    @Override
    void begin(List<ResultColumn> columns) throws IOException {
        int n = columns.size();
        names = new byte[n][];
        for (int i = 0; i < n; i++) {
            names[i] = (jsonString(columns.get(i).name()) + ":").getBytes(StandardCharsets.UTF_8);
        }
        if (!ndjson) {
            StringBuilder head = new StringBuilder("{\"queryId\":").append(jsonString(queryId));
            head.append(",\"columns\":[");
            for (int i = 0; i < n; i++) {
                head.append(i == 0 ? "" : ",")
                        .append("{\"name\":")
                        .append(jsonString(columns.get(i).name()))
                        .append(",\"type\":")
                        .append(jsonString(columns.get(i).type()))
                        .append('}');
            }
            head.append("],\"rows\":[");
            ascii(head.toString());
        }
    }

    @Override
    void row(FieldVector[] vectors, int[] kinds, boolean[] nullable, int row, long index) throws IOException {
        int n = vectors.length;
        if (ndjson) {
            put('{');
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    put(',');
                }
                put(names[i]);
                value(kinds[i], nullable[i], vectors[i], row);
            }
            put('}');
            put('\n');
        } else {
            if (index > 0) {
                put(',');
            }
            put('[');
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    put(',');
                }
                value(kinds[i], nullable[i], vectors[i], row);
            }
            put(']');
        }
    }

    @Override
    void end(long rows, boolean truncated) throws IOException {
        if (!ndjson) {
            ascii("],\"rowCount\":" + rows + ",\"truncated\":" + truncated + ",\"elapsedMs\":"
                    + (System.nanoTime() - startNanos) / 1_000_000 + "}");
        }
    }

    private void value(int kind, boolean nullable, FieldVector vector, int row) throws IOException {
        if (nullable && vector.isNull(row)) {
            put(NULL);
            return;
        }
        if (isInteger(kind)) {
            long v = integer(kind, vector, row);
            boolean quoted = v > MAX_SAFE || v < -MAX_SAFE;
            if (quoted) {
                put('"');
            }
            digits(v);
            if (quoted) {
                put('"');
            }
            return;
        }
        switch (kind) {
            case BOOLEAN -> put(((BitVector) vector).get(row) != 0 ? TRUE : FALSE);
            case DOUBLE -> {
                double d = ((Float8Vector) vector).get(row);
                floating(Double.toString(d), Double.isFinite(d));
            }
            case FLOAT -> {
                float f = ((Float4Vector) vector).get(row);
                floating(Float.toString(f), Float.isFinite(f));
            }
            case VARCHAR -> utf8((VarCharVector) vector, row);
            case DECIMAL_KIND -> {
                put('"');
                plainDecimal((DecimalVector) vector, row);
                put('"');
            }
            default -> string(String.valueOf(vector.getObject(row)));
        }
    }

    private void floating(String text, boolean finite) throws IOException {
        if (finite) {
            ascii(text);
        } else {
            put('"');
            ascii(text);
            put('"');
        }
    }

    /**
     * A VARCHAR's UTF-8 bytes as a JSON string, escaped as Jackson escapes them: copied in one go when nothing
     * needs escaping, else byte by byte.
     */
    private void utf8(VarCharVector v, int row) throws IOException {
        put('"');
        int start = valueStart(v, row);
        int end = valueEnd(v, row);
        if (!copyUnless(v, start, end, ESCAPED)) {
            ArrowBuf data = v.getDataBuffer();
            for (int i = start; i < end; i++) {
                escaped(data.getByte(i));
            }
        }
        put('"');
    }

    private void string(String s) throws IOException {
        put('"');
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            escaped(b);
        }
        put('"');
    }

    private void escaped(byte b) throws IOException {
        if (!ESCAPED.test(b)) {
            put(b); // includes every byte of a multi-byte UTF-8 sequence (negative here)
            return;
        }
        put('\\');
        switch (b) {
            case '"' -> put('"');
            case '\\' -> put('\\');
            case '\n' -> put('n');
            case '\r' -> put('r');
            case '\t' -> put('t');
            case '\b' -> put('b');
            case '\f' -> put('f');
            default -> {
                put('u');
                put('0');
                put('0');
                put(HEX[(b >> 4) & 0xF]);
                put(HEX[b & 0xF]);
            }
        }
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
