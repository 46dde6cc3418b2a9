package io.duckbridge.core.query;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;

/**
 * The same CSV as {@link CsvEncoder}, written column by column from DuckDB's Arrow export (see {@link
 * ArrowTextEncoder}); the output is byte for byte what {@link CsvEncoder} writes for the same rows. Not
 * thread-safe.
 */
final class VectorCsvEncoder extends ArrowTextEncoder {
    private static final ByteTest QUOTED = b -> b == ',' || b == '"' || b == '\n' || b == '\r';

    VectorCsvEncoder(BufferAllocator allocator, int batchSize) {
        super(allocator, batchSize);
    }

    @Override
    void begin(List<ResultColumn> columns) throws IOException {
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            head.append(i == 0 ? "" : ",")
                    .append(CsvEncoder.field(columns.get(i).name()));
        }
        ascii(head.append("\r\n").toString());
    }

    @Override
    void row(FieldVector[] vectors, int[] kinds, boolean[] nullable, int row, long index) throws IOException {
        for (int i = 0; i < vectors.length; i++) {
            if (i > 0) {
                put(',');
            }
            FieldVector vector = vectors[i];
            if (nullable[i] && vector.isNull(row)) {
                continue; // NULL is an empty field
            }
            int kind = kinds[i];
            if (isInteger(kind)) {
                digits(integer(kind, vector, row));
                continue;
            }
            switch (kind) {
                case BOOLEAN -> put(((BitVector) vector).get(row) != 0 ? TRUE : FALSE);
                case DOUBLE -> ascii(Double.toString(((Float8Vector) vector).get(row)));
                case FLOAT -> ascii(Float.toString(((Float4Vector) vector).get(row)));
                case VARCHAR -> varchar((VarCharVector) vector, row);
                case DECIMAL_KIND -> plainDecimal((DecimalVector) vector, row);
                default -> ascii(CsvEncoder.field(String.valueOf(vector.getObject(row))));
            }
        }
        put('\r');
        put('\n');
    }

    @Override
    void end(long rows, boolean truncated) {
        // CSV has nothing after its last row
    }

    /** A VARCHAR as one field: as is, or quoted with its quotes doubled when empty or holding , " CR or LF. */
    private void varchar(VarCharVector v, int row) throws IOException {
        int start = valueStart(v, row);
        int end = valueEnd(v, row);
        if (start < end && copyUnless(v, start, end, QUOTED)) {
            return;
        }
        if (end - start > MAX_BUFFER) {
            ascii(CsvEncoder.field(new String(v.get(row), StandardCharsets.UTF_8)));
            return;
        }
        ArrowBuf data = v.getDataBuffer();
        put('"');
        for (int i = start; i < end; i++) {
            byte b = data.getByte(i);
            if (b == '"') {
                put('"');
            }
            put(b);
        }
        put('"');
    }
}
