package io.duckbridge.core.schema;

import java.sql.SQLException;
import org.duckdb.DuckDBAppender;

/**
 * How one PostgreSQL column is stored in DuckDB, and the converter from PostgreSQL's text output of a
 * value (as in {@code COPY ... TO STDOUT} text format after unescaping, or a pgoutput text tuple) to the
 * value appended to DuckDB.
 *
 * <p>Loading works in two steps: values are appended (with a {@link DuckDBAppender}) to a staging column
 * of {@link #loadType()}, then copied into the live column of {@link #duckDbType()} with
 * {@link #castExpression(String)}. The two types differ only where DuckDB's appender cannot write the final
 * type directly (INTERVAL, BIT, some types inside LIST/STRUCT): then the staging column holds text DuckDB
 * can cast. Typical use:
 *
 * <pre>{@code
 * Object v = mapping.convert(text);        // text == null means SQL NULL
 * if (v == null) appender.appendNull(); else mapping.append(appender, v);
 * }</pre>
 *
 * <p>Values that cannot be kept exactly (extra fractional digits, NaN/Infinity in a DECIMAL, infinite
 * intervals) are converted to the nearest value (or NULL) and counted in {@link #lossy()}; a value that
 * overflows its DECIMAL throws CONVERSION naming the column and the override that would keep it. Thread-safe.
 */
public final class ColumnMapping {
    private final String name;
    private final String pgType;
    private final boolean nullable;
    private final ValueCodec codec;
    private final String sourceExpression;
    private final LossyValues lossy;
    private final ValueCodec.ValueContext context;
    private final BinaryWire wire;
    private final ChunkColumn chunk;

    ColumnMapping(
            String name,
            String pgType,
            boolean nullable,
            ValueCodec codec,
            String sourceExpression,
            LossyValues lossy,
            BinaryWire wire) {
        this.wire = wire;
        this.name = name;
        this.pgType = pgType;
        this.nullable = nullable;
        this.codec = codec;
        this.sourceExpression = sourceExpression;
        this.lossy = lossy;
        this.context = new ValueCodec.ValueContext(name, lossy);
        this.chunk = ChunkColumn.of(this, wire, codec);
    }

    /** The column name, as spelled in PostgreSQL and DuckDB. */
    public String name() {
        return name;
    }

    /** The PostgreSQL type as {@code format_type} spells it. */
    public String pgType() {
        return pgType;
    }

    public boolean nullable() {
        return nullable;
    }

    /** The DuckDB type of the live column, e.g. {@code DECIMAL(12,2)}, {@code INTEGER[][]}, {@code ENUM('a', 'b')}. */
    public String duckDbType() {
        return codec.duckType();
    }

    /** The DuckDB type of the staging column that {@link #append} writes. */
    public String loadType() {
        return codec.loadType();
    }

    /** Whether the staging column must be cast to reach {@link #duckDbType()}. */
    public boolean needsCast() {
        return !codec.loadType().equals(codec.duckType());
    }

    /** SQL that turns the staging column {@code quotedColumn} into the live column's value. */
    public String castExpression(String quotedColumn) {
        return needsCast() ? "CAST(" + quotedColumn + " AS " + duckDbType() + ")" : quotedColumn;
    }

    /**
     * The expression to select in PostgreSQL so that its text output is what {@link #convert} reads
     * (the quoted column, or e.g. {@code "price"::numeric} for money, whose text output is locale-formatted).
     */
    public String sourceExpression() {
        return sourceExpression;
    }

    /**
     * The expression to select in PostgreSQL for {@code COPY ... (FORMAT binary)}, whose field
     * {@link #appendBinary} reads: the {@link #sourceExpression()} for types read in their binary form, or that
     * expression's output-function text for the others (arrays, composites, interval, bit strings, inet, ...).
     */
    public String binarySourceExpression() {
        return wire.select(sourceExpression);
    }

    /**
     * Appends the non-NULL field {@code bytes[from, from + length)} of a binary-format COPY row selected with
     * {@link #binarySourceExpression()}. Same values, lossy counts and failures as the text path.
     */
    public void appendBinary(DuckDBAppender appender, byte[] bytes, int from, int length) throws SQLException {
        wire.append(this, codec, appender, bytes, from, length);
    }

    /**
     * How a table function writes this column's binary COPY field into a DuckDB data chunk, or null when the
     * column has no such form and its table loads through {@link #appendBinary}.
     */
    public ChunkColumn chunkColumn() {
        return chunk;
    }

    /**
     * Converts PostgreSQL's text output of a value of this column.
     *
     * @param text the value's text, or null for SQL NULL
     * @return the value to {@link #append}, or null to append NULL (SQL NULL, or a lossy value stored as NULL)
     * @throws io.duckbridge.core.error.DuckbridgeException CONVERSION when the value overflows the DuckDB type or
     *     is not valid text for the PostgreSQL type
     */
    public Object convert(String text) {
        return text == null ? null : codec.decode(text, context);
    }

    /** Appends a value returned by {@link #convert} (null appends NULL) to the appender's current column. */
    public void append(DuckDBAppender appender, Object value) throws SQLException {
        if (value == null) {
            appender.appendNull();
        } else {
            codec.append(appender, value);
        }
    }

    /**
     * Appends the value whose (already unescaped) UTF-8 text is {@code utf8[from, to)}: the fast path for
     * bulk loads, which skips making a String for numbers, booleans, dates and timestamps in their common form.
     * Same results and failures as {@code append(appender, convert(text))}.
     */
    public void appendUtf8(DuckDBAppender appender, byte[] utf8, int from, int to) throws SQLException {
        if (!codec.appendRaw(appender, utf8, from, to)) {
            append(appender, convert(new String(utf8, from, to - from, java.nio.charset.StandardCharsets.UTF_8)));
        }
    }

    /** Converts and appends in one step. */
    public void appendText(DuckDBAppender appender, String text) throws SQLException {
        append(appender, convert(text));
    }

    /** Values changed by the conversion so far, and the override that would keep them. */
    public LossyValues lossy() {
        return lossy;
    }

    @Override
    public String toString() {
        return name + " " + pgType + " -> " + duckDbType();
    }
}
