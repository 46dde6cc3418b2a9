package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBWritableVector;

/**
 * How one column of a binary-format COPY is written into a DuckDB data chunk by a table function, and the
 * SQL that turns the chunk's physical column into the staging column's {@link ColumnMapping#loadType()}.
 *
 * <p>The physical columns are the types a {@link DuckDBWritableVector} can be filled with cheaply: integers,
 * floats and booleans as they are; a date as INTEGER days since 1970 and a timestamp as BIGINT microseconds
 * since 1970 (PostgreSQL's ±infinity as DuckDB's, turned into dates and timestamps by a {@code CASE} in the
 * SELECT); a numeric whose DECIMAL fits 18 digits as its BIGINT unscaled value, scaled in the SELECT; and
 * everything else that has a text load type (text, varchar, char(n), enum labels, json, jsonb, uuid, wider
 * DECIMALs, interval, bit strings, and types kept as their output text) as VARCHAR, cast in the SELECT. Values
 * the exact binary decoding cannot write (NaN or ±Infinity numerics, more fractional digits than the scale,
 * overflow) go through the same {@link ColumnMapping#convert} as the appender path, so results, lossy counts
 * and CONVERSION errors are the same. Columns without such a form (bytea, time, timetz, arrays, composites,
 * and overrides of numeric to DOUBLE) have no chunk column: their tables load through the appender.
 *
 * <p>Immutable; thread-safe (lossy values are counted in the column's thread-safe {@link LossyValues}).
 */
public final class ChunkColumn {
    private enum Kind {
        SMALLINT,
        INTEGER,
        BIGINT,
        FLOAT,
        DOUBLE,
        BOOLEAN,
        DATE,
        TIMESTAMP,
        /** numeric into DECIMAL(p ≤ 18, s): the unscaled value. */
        UNSCALED,
        /** Text whose bytes are the value (text-like types, enum labels, output text kept as VARCHAR). */
        UTF8,
        /** jsonb_send: a version byte, then the text. */
        JSONB,
        UUID,
        /** Any other column with a VARCHAR-castable load type: the codec's value as text. */
        CONVERTED
    }

    private final ColumnMapping column;
    private final BinaryWire wire;
    private final Kind kind;
    private final ValueCodec.Decimal decimal;
    private final boolean withZone;
    private final boolean varchar;

    private ChunkColumn(ColumnMapping column, BinaryWire wire, ValueCodec codec, Kind kind) {
        this.column = column;
        this.wire = wire;
        this.kind = kind;
        this.decimal = codec instanceof ValueCodec.Decimal d ? d : null;
        this.withZone = codec.duckType().equals("TIMESTAMPTZ");
        this.varchar = physicalType() == DuckDBColumnType.VARCHAR;
    }

    /** The chunk column of {@code column}, or null when it has none (its table loads through the appender). */
    static ChunkColumn of(ColumnMapping column, BinaryWire wire, ValueCodec codec) {
        Kind kind = switch (wire) {
            case INT2 -> codec instanceof ValueCodec.Int16 ? Kind.SMALLINT : null;
            case INT4 -> codec instanceof ValueCodec.Int32 ? Kind.INTEGER : null;
            case INT8 -> codec instanceof ValueCodec.Int64 ? Kind.BIGINT : null;
            case FLOAT4 -> codec instanceof ValueCodec.Float32 ? Kind.FLOAT : null;
            case FLOAT8 -> codec instanceof ValueCodec.Float64 ? Kind.DOUBLE : null;
            case BOOL -> codec instanceof ValueCodec.Bool ? Kind.BOOLEAN : null;
            case DATE -> codec instanceof ValueCodec.Date ? Kind.DATE : null;
            case TIMESTAMP -> codec instanceof ValueCodec.Timestamp ? Kind.TIMESTAMP : null;
            case UUID -> codec instanceof ValueCodec.Uuid ? Kind.UUID : null;
            case NUMERIC -> {
                if (codec instanceof ValueCodec.Decimal d) {
                    yield d.fitsLong() ? Kind.UNSCALED : Kind.CONVERTED;
                }
                yield codec.loadType().equals("VARCHAR") ? Kind.CONVERTED : null;
            }
            case TEXT -> {
                if (codec instanceof ValueCodec.Text || codec instanceof ValueCodec.Enumerated) {
                    yield Kind.UTF8;
                }
                yield codec.loadType().equals("VARCHAR") ? Kind.CONVERTED : null;
            }
            case JSONB -> codec instanceof ValueCodec.Text ? Kind.JSONB : null;
            case OUTPUT_TEXT -> {
                if (codec instanceof ValueCodec.Text) {
                    yield Kind.UTF8;
                }
                // interval and bit strings: their codec turns PostgreSQL's text into DuckDB's
                yield codec.loadType().equals("VARCHAR") ? Kind.CONVERTED : null;
            }
            case TIME, TIMETZ, BYTEA -> null;
        };
        return kind == null ? null : new ChunkColumn(column, wire, codec, kind);
    }

    /** The type of the table function's result column. */
    public DuckDBColumnType physicalType() {
        return switch (kind) {
            case SMALLINT -> DuckDBColumnType.SMALLINT;
            case INTEGER, DATE -> DuckDBColumnType.INTEGER;
            case BIGINT, TIMESTAMP, UNSCALED -> DuckDBColumnType.BIGINT;
            case FLOAT -> DuckDBColumnType.FLOAT;
            case DOUBLE -> DuckDBColumnType.DOUBLE;
            case BOOLEAN -> DuckDBColumnType.BOOLEAN;
            case UTF8, JSONB, UUID, CONVERTED -> DuckDBColumnType.VARCHAR;
        };
    }

    /** Whether values are collected as UTF-8 bytes ({@link #utf8}) and set a chunk at a time, not per row. */
    public boolean varchar() {
        return varchar;
    }

    /** SQL turning the physical column {@code q} (quoted) into a value of the staging column's load type. */
    public String selectExpression(String q) {
        String loadType = column.loadType();
        return switch (kind) {
            case SMALLINT, INTEGER, BIGINT, FLOAT, DOUBLE, BOOLEAN -> q;
            case DATE ->
                "CASE WHEN " + q + " = " + ValueCodec.DATE_INFINITY + " THEN 'infinity'::DATE WHEN " + q + " = "
                        + -ValueCodec.DATE_INFINITY + " THEN '-infinity'::DATE ELSE DATE '1970-01-01' + " + q + " END";
            case TIMESTAMP -> {
                String type = withZone ? "TIMESTAMPTZ" : "TIMESTAMP";
                yield "CASE WHEN " + q + " = " + ValueCodec.TIMESTAMP_INFINITY + " THEN 'infinity'::" + type
                        + " WHEN " + q + " = " + -ValueCodec.TIMESTAMP_INFINITY + " THEN '-infinity'::" + type
                        + " ELSE " + (withZone ? "make_timestamptz(" : "make_timestamp(") + q + ") END";
            }
            case UNSCALED -> {
                int scale = decimal.scale();
                if (scale == 0) {
                    yield "CAST(" + q + " AS " + loadType + ")";
                }
                // unscaled × 10^-scale, exact: DECIMAL(18,0) × DECIMAL(scale+1,scale)
                String unit = "0." + "0".repeat(scale - 1) + "1";
                yield "CAST(CAST(" + q + " AS DECIMAL(18,0)) * CAST(" + unit + " AS DECIMAL(" + (scale + 1) + ","
                        + scale + ")) AS " + loadType + ")";
            }
            case UTF8, JSONB, UUID, CONVERTED -> loadType.equals("VARCHAR") ? q : "CAST(" + q + " AS " + loadType + ")";
        };
    }

    /**
     * Writes the non-NULL field {@code b[from, from + length)} into row {@code row} of a non-{@link #varchar()}
     * vector.
     *
     * @throws DuckbridgeException CONVERSION as the appender path (overflow naming the column and override, a
     *     timestamp beyond DuckDB's range, a field of the wrong length)
     */
    public void write(DuckDBWritableVector vector, int row, byte[] b, int from, int length) {
        switch (kind) {
            case SMALLINT -> {
                expect(length, 2);
                vector.setShort(row, (short) BinaryWire.int16(b, from));
            }
            case INTEGER -> {
                expect(length, 4);
                vector.setInt(row, BinaryWire.int32(b, from));
            }
            case BIGINT -> {
                expect(length, 8);
                vector.setLong(row, BinaryWire.int64(b, from));
            }
            case FLOAT -> {
                expect(length, 4);
                vector.setFloat(row, Float.intBitsToFloat(BinaryWire.int32(b, from)));
            }
            case DOUBLE -> {
                expect(length, 8);
                vector.setDouble(row, Double.longBitsToDouble(BinaryWire.int64(b, from)));
            }
            case BOOLEAN -> {
                expect(length, 1);
                vector.setBoolean(row, b[from] != 0);
            }
            case DATE -> {
                expect(length, 4);
                vector.setInt(row, BinaryWire.epochDays(b, from));
            }
            case TIMESTAMP -> {
                expect(length, 8);
                vector.setLong(row, BinaryWire.epochMicros(column, b, from));
            }
            case UNSCALED -> {
                long unscaled = BinaryWire.unscaled(column, decimal, b, from, length);
                if (unscaled != Long.MIN_VALUE) {
                    vector.setLong(row, unscaled);
                } else {
                    // rounded, NaN/Infinity (lossy, NULL) or overflowing (CONVERSION): the appender path's converter
                    Object value = column.convert(numericString(b, from, length));
                    if (value == null) {
                        vector.setNull(row);
                    } else {
                        vector.setLong(row, ((BigDecimal) value).unscaledValue().longValueExact());
                    }
                }
            }
            default -> throw new IllegalStateException(kind + " is written with utf8()");
        }
    }

    /**
     * The UTF-8 bytes to set for the non-NULL field {@code b[from, from + length)} of a {@link #varchar()}
     * column (a copy, owned by the caller), or null for a value stored as NULL (counted as lossy).
     *
     * @throws DuckbridgeException CONVERSION as the appender path
     */
    public byte[] utf8(byte[] b, int from, int length) {
        return switch (kind) {
            case UTF8 -> Arrays.copyOfRange(b, from, from + length);
            case JSONB -> Arrays.copyOfRange(b, BinaryWire.jsonText(column, b, from, length), from + length);
            case UUID -> {
                expect(length, 16);
                yield new java.util.UUID(BinaryWire.int64(b, from), BinaryWire.int64(b, from + 8))
                        .toString()
                        .getBytes(StandardCharsets.US_ASCII);
            }
            case CONVERTED -> {
                String text = wire == BinaryWire.NUMERIC
                        ? numericString(b, from, length)
                        : new String(b, from, length, StandardCharsets.UTF_8);
                Object value = column.convert(text);
                yield switch (value) {
                    case null -> null;
                    case BigDecimal d -> d.toPlainString().getBytes(StandardCharsets.US_ASCII);
                    case String s -> s.getBytes(StandardCharsets.UTF_8);
                    default ->
                        throw new IllegalStateException("column " + column.name() + " converts to " + value.getClass());
                };
            }
            default -> throw new IllegalStateException(kind + " is written with write()");
        };
    }

    private String numericString(byte[] b, int from, int length) {
        return new String(BinaryWire.numericText(column, b, from, length), StandardCharsets.US_ASCII);
    }

    private void expect(int length, int expected) {
        BinaryWire.expect(column, length, expected);
    }

    @Override
    public String toString() {
        return column.name() + " " + kind + " -> " + column.loadType();
    }
}
