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
 * A text format (JSON, CSV) written column by column from DuckDB's Arrow export instead of value by value
 * through JDBC: integers and decimals are formatted from the vectors' buffers straight into a byte buffer,
 * strings copied as UTF-8 bytes without becoming Java strings. Used when every column has one of the
 * {@link #supports simple types}; each subclass writes byte for byte what its value-by-value encoder writes
 * for the same rows. Not thread-safe.
 */
abstract class ArrowTextEncoder implements RowEncoder {
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

    /**
     * The buffer starts small, as most results are, and doubles up to {@link #MAX_BUFFER} while a result
     * keeps coming: a fixed 64 KiB buffer per query was most of the heap a small query allocated.
     */
    private static final int FIRST_BUFFER = 4 << 10;

    static final int MAX_BUFFER = 64 << 10;

    /** A BOOLEAN's text, the same in JSON and CSV. */
    static final byte[] TRUE = {'t', 'r', 'u', 'e'};

    static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

    // a column's kind, found once per batch rather than once per value
    static final int BIGINT = 0;
    static final int INT = 1;
    static final int SMALLINT = 2;
    static final int TINYINT = 3;
    static final int UTINYINT = 4;
    static final int USMALLINT = 5;
    static final int UINTEGER = 6;
    static final int BOOLEAN = 7;
    static final int DOUBLE = 8;
    static final int FLOAT = 9;
    static final int VARCHAR = 10;
    static final int DECIMAL_KIND = 11;
    static final int OTHER = 12;

    private final BufferAllocator allocator;
    private final int batchSize;
    byte[] buf = new byte[FIRST_BUFFER];
    int pos;
    private OutputStream out;

    ArrowTextEncoder(BufferAllocator allocator, int batchSize) {
        this.allocator = allocator;
        this.batchSize = batchSize;
    }

    /** Whether every column has a type these encoders write (else the value-by-value encoder is used). */
    static boolean supports(List<ResultColumn> columns) {
        for (ResultColumn c : columns) {
            String type = c.type().toUpperCase(Locale.ROOT);
            if (!SIMPLE.contains(type) && !DECIMAL.matcher(type).matches()) {
                return false;
            }
        }
        return !columns.isEmpty();
    }

    /** What comes before the first row. */
    abstract void begin(List<ResultColumn> columns) throws IOException;

    /** Row {@code row} of the current batch, the {@code index}th row of the result (from 0). */
    abstract void row(FieldVector[] vectors, int[] kinds, boolean[] nullable, int row, long index) throws IOException;

    /** What comes after the last row. */
    abstract void end(long rows, boolean truncated) throws IOException;

    @Override
    public final Written write(ResultSet rs, List<ResultColumn> columns, long maxRows, OutputStream target)
            throws SQLException, IOException {
        this.out = target;
        int n = columns.size();
        begin(columns);
        DuckDBResultSet duck = rs.unwrap(DuckDBResultSet.class);
        long rows = 0;
        boolean truncated = false;
        try (BufferAllocator child = allocator.newChildAllocator("text", 0, Long.MAX_VALUE);
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
                    row(vectors, kinds, nullable, r, rows);
                    rows++;
                }
            }
        }
        end(rows, truncated);
        drain();
        return new Written(rows, truncated);
    }

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

    /** The value of an integer column of kind {@code kind} (BIGINT to UINTEGER). */
    static long integer(int kind, FieldVector vector, int row) {
        return switch (kind) {
            case BIGINT -> ((BigIntVector) vector).get(row);
            case INT -> ((IntVector) vector).get(row);
            case SMALLINT -> ((SmallIntVector) vector).get(row);
            case TINYINT -> ((TinyIntVector) vector).get(row);
            case UTINYINT -> ((UInt1Vector) vector).getValueAsLong(row);
            case USMALLINT -> ((UInt2Vector) vector).get(row);
            case UINTEGER -> ((UInt4Vector) vector).getValueAsLong(row);
            default -> throw new IllegalArgumentException("not an integer kind: " + kind);
        };
    }

    static boolean isInteger(int kind) {
        return kind <= UINTEGER;
    }

    /** A DECIMAL in its plain form, like {@code BigDecimal.toPlainString()} (and DuckDB's text). */
    void plainDecimal(DecimalVector v, int row) throws IOException {
        int scale = v.getScale();
        ArrowBuf data = v.getDataBuffer();
        long offset = (long) row * DecimalVector.TYPE_WIDTH;
        long low = data.getLong(offset);
        long high = data.getLong(offset + 8);
        if ((high == 0 && low >= 0) || (high == -1 && low < 0)) {
            plainDecimal(low, scale);
        } else {
            ascii(v.getObject(row).toPlainString());
        }
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

    /** Where row {@code row}'s UTF-8 bytes start in {@code v}'s data buffer. */
    static int valueStart(VarCharVector v, int row) {
        return v.getOffsetBuffer().getInt((long) row * VarCharVector.OFFSET_WIDTH);
    }

    /** Where row {@code row}'s UTF-8 bytes end (exclusive) in {@code v}'s data buffer. */
    static int valueEnd(VarCharVector v, int row) {
        return valueStart(v, row + 1);
    }

    /**
     * Copies bytes {@code start} to {@code end} of {@code v}'s data (one VARCHAR value) into the buffer when they
     * fit ({@link #MAX_BUFFER} at most) and {@code special} finds nothing in them; false, with nothing written,
     * otherwise.
     */
    boolean copyUnless(VarCharVector v, int start, int end, ByteTest special) throws IOException {
        int len = end - start;
        if (len > MAX_BUFFER) {
            return false;
        }
        reserve(len);
        v.getDataBuffer().getBytes(start, buf, pos, len);
        for (int i = pos; i < pos + len; i++) {
            if (special.test(buf[i])) {
                return false;
            }
        }
        pos += len;
        return true;
    }

    /** A test of one byte of UTF-8. */
    @FunctionalInterface
    interface ByteTest {
        boolean test(byte b);
    }

    void digits(long v) throws IOException {
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

    void ascii(String s) throws IOException {
        put(s.getBytes(StandardCharsets.UTF_8));
    }

    void put(byte[] bytes) throws IOException {
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

    void put(char c) throws IOException {
        put((byte) c);
    }

    void put(byte b) throws IOException {
        if (pos == buf.length) {
            full();
        }
        buf[pos++] = b;
    }

    /** Room for {@code n} more bytes in the buffer (n at most {@link #MAX_BUFFER}), growing or sending it. */
    void reserve(int n) throws IOException {
        while (pos + n > buf.length && buf.length < MAX_BUFFER) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        if (pos + n > buf.length) {
            drain();
        }
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
