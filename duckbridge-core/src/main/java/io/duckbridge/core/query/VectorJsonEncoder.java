package io.duckbridge.core.query;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;

/**
 * The same JSON and NDJSON bodies as {@link JsonEncoder}, written column by column from DuckDB's Arrow
 * export instead of value by value through JDBC: integers, decimals and doubles are formatted from the
 * vectors' buffers and strings copied as UTF-8 bytes (escaped) without becoming Java strings. Used when
 * every column has one of the {@link #supports simple types}; the output is byte for byte what
 * {@link JsonEncoder} writes for the same rows. Not thread-safe.
 */
final class VectorJsonEncoder implements RowEncoder {
    private static final Set<String> SIMPLE = Set.of(
            "BOOLEAN",
            "TINYINT",
            "SMALLINT",
            "INTEGER",
            "BIGINT",
            "UTINYINT",
            "USMALLINT",
            "UINTEGER",
            "FLOAT",
            "DOUBLE",
            "VARCHAR");
    private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\(\\d+,\\d+\\)");
    private static final long MAX_SAFE = 9_007_199_254_740_992L; // 2^53, as JsonValues
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    /**
     * The buffer starts small, as most results are, and doubles up to {@link #MAX_BUFFER} while a result
     * keeps coming: a fixed 64 KiB buffer per query was most of the heap a small query allocated.
     */
    private static final int FIRST_BUFFER = 4 << 10;

    private static final int MAX_BUFFER = 64 << 10;

    private final boolean ndjson;
    private final String queryId;
    private final long startNanos;
    private final BufferAllocator allocator;
    private final int batchSize;
    private byte[] buf = new byte[FIRST_BUFFER];
    private int pos;
    private OutputStream out;

    VectorJsonEncoder(boolean ndjson, String queryId, long startNanos, BufferAllocator allocator, int batchSize) {
        this.ndjson = ndjson;
        this.queryId = queryId;
        this.startNanos = startNanos;
        this.allocator = allocator;
        this.batchSize = batchSize;
    }

    /** Whether every column has a type this encoder writes (else {@link JsonEncoder} is used). */
    static boolean supports(List<ResultColumn> columns) {
        for (ResultColumn c : columns) {
            String type = c.type().toUpperCase(Locale.ROOT);
            if (!SIMPLE.contains(type) && !DECIMAL.matcher(type).matches()) {
                return false;
            }
        }
        return !columns.isEmpty();
    }

    @Override
    public Written write(ResultSet rs, List<ResultColumn> columns, long maxRows, OutputStream target)
            throws SQLException, IOException {
        this.out = target;
        int n = columns.size();
        byte[][] names = new byte[n][];
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
        DuckDBResultSet duck = rs.unwrap(DuckDBResultSet.class);
        long rows = 0;
        boolean truncated = false;
        try (BufferAllocator child = allocator.newChildAllocator("json", 0, Long.MAX_VALUE);
                ArrowReader reader = (ArrowReader) duck.arrowExportStream(child, batchSize)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            FieldVector[] vectors = new FieldVector[n];
            int[] kinds = new int[n];
            boolean[] nullable = new boolean[n];
            batches:
            while (reader.loadNextBatch()) {
                for (int i = 0; i < n; i++) {
                    vectors[i] = root.getVector(i);
                    kinds[i] = kind(vectors[i]);
                    nullable[i] = vectors[i].getNullCount() > 0;
                }
                int count = root.getRowCount();
                for (int r = 0; r < count; r++) {
                    if (maxRows >= 0 && rows >= maxRows) {
                        truncated = true;
                        break batches;
                    }
                    if (ndjson) {
                        put('{');
                        for (int i = 0; i < n; i++) {
                            if (i > 0) {
                                put(',');
                            }
                            put(names[i]);
                            value(kinds[i], nullable[i], vectors[i], r);
                        }
                        put('}');
                        put('\n');
                    } else {
                        if (rows > 0) {
                            put(',');
                        }
                        put('[');
                        for (int i = 0; i < n; i++) {
                            if (i > 0) {
                                put(',');
                            }
                            value(kinds[i], nullable[i], vectors[i], r);
                        }
                        put(']');
                    }
                    rows++;
                }
            }
        }
        if (!ndjson) {
            ascii("],\"rowCount\":" + rows + ",\"truncated\":" + truncated + ",\"elapsedMs\":"
                    + (System.nanoTime() - startNanos) / 1_000_000 + "}");
        }
        drain();
        return new Written(rows, truncated);
    }

    private static final int BIGINT = 0;
    private static final int INT = 1;
    private static final int SMALLINT = 2;
    private static final int TINYINT = 3;
    private static final int UTINYINT = 4;
    private static final int USMALLINT = 5;
    private static final int UINTEGER = 6;
    private static final int BOOLEAN = 7;
    private static final int DOUBLE = 8;
    private static final int FLOAT = 9;
    private static final int VARCHAR = 10;
    private static final int DECIMAL_KIND = 11;
    private static final int OTHER = 12;

    /** The kind of {@code vector}, found once per batch rather than once per value. */
    private static int kind(FieldVector vector) {
        return switch (vector) {
            case BigIntVector v -> BIGINT;
            case IntVector v -> INT;
            case SmallIntVector v -> SMALLINT;
            case TinyIntVector v -> TINYINT;
            case UInt1Vector v -> UTINYINT;
            case UInt2Vector v -> USMALLINT;
            case UInt4Vector v -> UINTEGER;
            case BitVector v -> BOOLEAN;
            case Float8Vector v -> DOUBLE;
            case Float4Vector v -> FLOAT;
            case VarCharVector v -> VARCHAR;
            case DecimalVector v -> DECIMAL_KIND;
            default -> OTHER;
        };
    }

    private void value(int kind, boolean nullable, FieldVector vector, int row) throws IOException {
        if (nullable && vector.isNull(row)) {
            ascii(NULL);
            return;
        }
        switch (kind) {
            case BIGINT -> integer(((BigIntVector) vector).get(row));
            case INT -> integer(((IntVector) vector).get(row));
            case SMALLINT -> integer(((SmallIntVector) vector).get(row));
            case TINYINT -> integer(((TinyIntVector) vector).get(row));
            case UTINYINT -> integer(((UInt1Vector) vector).getValueAsLong(row));
            case USMALLINT -> integer(((UInt2Vector) vector).get(row));
            case UINTEGER -> integer(((UInt4Vector) vector).getValueAsLong(row));
            case BOOLEAN -> ascii(((BitVector) vector).get(row) != 0 ? TRUE : FALSE);
            case DOUBLE -> {
                double d = ((Float8Vector) vector).get(row);
                floating(Double.toString(d), Double.isFinite(d));
            }
            case FLOAT -> {
                float f = ((Float4Vector) vector).get(row);
                floating(Float.toString(f), Float.isFinite(f));
            }
            case VARCHAR -> utf8((VarCharVector) vector, row);
            case DECIMAL_KIND -> decimal((DecimalVector) vector, row);
            default -> string(String.valueOf(vector.getObject(row)));
        }
    }

    private void integer(long v) throws IOException {
        boolean quoted = v > MAX_SAFE || v < -MAX_SAFE;
        if (quoted) {
            put('"');
        }
        digits(v);
        if (quoted) {
            put('"');
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

    /** A DECIMAL as a string of its plain form, like {@code BigDecimal.toPlainString()}. */
    private void decimal(DecimalVector v, int row) throws IOException {
        int scale = v.getScale();
        ArrowBuf data = v.getDataBuffer();
        long offset = (long) row * DecimalVector.TYPE_WIDTH;
        long low = data.getLong(offset);
        long high = data.getLong(offset + 8);
        put('"');
        if ((high == 0 && low >= 0) || (high == -1 && low < 0)) {
            plainDecimal(low, scale);
        } else {
            ascii(v.getObject(row).toPlainString());
        }
        put('"');
    }

    private void plainDecimal(long unscaled, int scale) throws IOException {
        if (scale == 0) {
            digits(unscaled);
            return;
        }
        if (unscaled == Long.MIN_VALUE) {
            ascii(BigDecimal.valueOf(unscaled, scale).toPlainString());
            return;
        }
        if (unscaled < 0) {
            put('-');
            unscaled = -unscaled;
        }
        int len = digitCount(unscaled);
        // the digits with a point before the last `scale` of them, and zeros in front when there are fewer
        int width = Math.max(len, scale + 1) + 1;
        reserve(width);
        int end = pos + width;
        int point = end - scale - 1;
        for (int i = end - 1; i >= pos; i--) {
            if (i == point) {
                buf[i] = '.';
            } else {
                buf[i] = (byte) ('0' + (unscaled % 10));
                unscaled /= 10;
            }
        }
        pos = end;
    }

    /**
     * A VARCHAR's UTF-8 bytes as a JSON string, escaped as Jackson escapes them. The bytes are copied into the
     * buffer in one go and only scanned for what needs escaping; a value that has some is written byte by byte.
     */
    private void utf8(VarCharVector v, int row) throws IOException {
        ArrowBuf offsets = v.getOffsetBuffer();
        int start = offsets.getInt((long) row * VarCharVector.OFFSET_WIDTH);
        int end = offsets.getInt((long) (row + 1) * VarCharVector.OFFSET_WIDTH);
        ArrowBuf data = v.getDataBuffer();
        int len = end - start;
        put('"');
        if (len <= MAX_BUFFER) {
            reserve(len);
            data.getBytes(start, buf, pos, len);
            if (!needsEscape(buf, pos, pos + len)) {
                pos += len;
                put('"');
                return;
            }
        }
        for (int i = start; i < end; i++) {
            escaped(data.getByte(i));
        }
        put('"');
    }

    private static boolean needsEscape(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if ((b < 0x20 && b >= 0) || b == '"' || b == '\\') {
                return true;
            }
        }
        return false;
    }

    /** Room for {@code n} more bytes in the buffer (n at most {@link #MAX_BUFFER}), growing or sending it. */
    private void reserve(int n) throws IOException {
        while (pos + n > buf.length && buf.length < MAX_BUFFER) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        if (pos + n > buf.length) {
            drain();
        }
    }

    private void string(String s) throws IOException {
        put('"');
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            escaped(b);
        }
        put('"');
    }

    private void escaped(byte b) throws IOException {
        if (b >= 0x20 && b != '"' && b != '\\') {
            put(b); // includes every byte of a multi-byte UTF-8 sequence (negative here)
            return;
        }
        if (b < 0) {
            put(b);
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

    private void digits(long v) throws IOException {
        if (v == Long.MIN_VALUE) {
            ascii(Long.toString(v));
            return;
        }
        if (v < 0) {
            put('-');
            v = -v;
        }
        reserve(20);
        int len = digitCount(v);
        int end = pos + len;
        for (int i = end - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        pos = end;
    }

    /** The number of decimal digits of {@code v} (not negative). */
    private static int digitCount(long v) {
        int len = 1;
        long bound = 10;
        while (len < 19 && v >= bound) {
            len++;
            bound *= 10;
        }
        return len;
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

    private void ascii(byte[] bytes) throws IOException {
        put(bytes);
    }

    private void ascii(String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        put(bytes);
    }

    private void put(byte[] bytes) throws IOException {
        if (pos + bytes.length > buf.length) {
            full();
            if (bytes.length > buf.length - pos) {
                drain();
            }
            if (bytes.length > buf.length) {
                out.write(bytes);
                return;
            }
        }
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    private void put(char c) throws IOException {
        put((byte) c);
    }

    private void put(byte b) throws IOException {
        if (pos == buf.length) {
            full();
        }
        buf[pos++] = b;
    }

    /** The buffer is full: grow it while below the maximum, else send it. */
    private void full() throws IOException {
        if (buf.length < MAX_BUFFER) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        } else {
            drain();
        }
    }

    private void drain() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }
}
