package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;
import org.duckdb.DuckDBAppender;

/**
 * How one column travels in {@code COPY ... TO STDOUT (FORMAT binary)}, and the decoder of its field bytes.
 *
 * <p>Types whose binary send format is simple and fixed (integers, floats, numeric, boolean, date, timestamp,
 * time, uuid, bytea, text-like types and enums) are read in PostgreSQL's binary representation
 * (<a href="https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4">COPY, Binary Format</a>;
 * each type's layout is its {@code *send} function in PostgreSQL's {@code src/backend/utils/adt}). Every other
 * type ({@link #OUTPUT_TEXT}: arrays, composites, interval, bit strings, inet, xml, ranges, "char", extension
 * types) is selected through {@code format('%s', value)}, which calls the type's output function: its field is
 * then exactly the text that text-format COPY carries after unescaping, and goes through the same text
 * converter. Stateless; thread-safe.
 */
enum BinaryWire {
    INT2,
    INT4,
    INT8,
    FLOAT4,
    FLOAT8,
    /** numeric_send: int16 ndigits, int16 weight, int16 sign, int16 dscale, ndigits × int16 base-10000 digits. */
    NUMERIC,
    BOOL,
    /** int32 days since 2000-01-01; INT32_MAX / INT32_MIN are ±infinity. */
    DATE,
    /** int64 microseconds since 2000-01-01 00:00 (UTC for timestamptz); INT64_MAX / INT64_MIN are ±infinity. */
    TIMESTAMP,
    /** int64 microseconds since midnight. */
    TIME,
    /** int64 microseconds since midnight, int32 zone offset in seconds west of UTC. */
    TIMETZ,
    UUID,
    BYTEA,
    /** text, varchar, bpchar (padded), name, citext, json, enum labels: the UTF-8 text itself. */
    TEXT,
    /** jsonb_send: a version byte (1) followed by the JSON text. */
    JSONB,
    /** Selected as its output function's text. */
    OUTPUT_TEXT;

    /** PostgreSQL's epoch (2000-01-01) in days and microseconds after 1970-01-01. */
    static final int PG_EPOCH_DAYS = 10_957;

    static final long PG_EPOCH_MICROS = PG_EPOCH_DAYS * 86_400_000_000L;

    private static final byte[] NUMERIC_NAN = "NaN".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NUMERIC_INFINITY = "Infinity".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NUMERIC_MINUS_INFINITY = "-Infinity".getBytes(StandardCharsets.US_ASCII);
    private static final long[] POWERS_OF_TEN = powersOfTen();

    /** The wire form of a column of {@code type}. */
    static BinaryWire of(PgType type) {
        if (type instanceof PgType.Enum) {
            return TEXT;
        }
        if (!(type instanceof PgType.Scalar s)) {
            return OUTPUT_TEXT;
        }
        return switch (s.name()) {
            case "int2" -> INT2;
            case "int4" -> INT4;
            case "int8" -> INT8;
            case "float4" -> FLOAT4;
            case "float8" -> FLOAT8;
            case "numeric", "money" -> NUMERIC; // money is selected as ::numeric
            case "bool" -> BOOL;
            case "date" -> DATE;
            case "timestamp", "timestamptz" -> TIMESTAMP;
            case "time" -> TIME;
            case "timetz" -> TIMETZ;
            case "uuid" -> UUID;
            case "bytea" -> BYTEA;
            case "text", "varchar", "bpchar", "name", "citext", "json" -> TEXT;
            case "jsonb" -> JSONB;
            default -> OUTPUT_TEXT;
        };
    }

    /**
     * The expression selecting {@code expression} (a column's text-format source expression) for this wire.
     * NULL is tested with {@code num_nulls}, which looks at the value itself: SQL's {@code IS NULL} is also true
     * for a composite whose fields are all NULL, which would turn {@code (,)} into NULL.
     */
    String select(String expression) {
        return this == OUTPUT_TEXT
                ? "CASE WHEN num_nulls(" + expression + ") = 1 THEN NULL ELSE format('%s', " + expression + ") END"
                : expression;
    }

    /**
     * Appends the non-NULL field {@code b[from, from + length)} to the appender's current column.
     *
     * @throws DuckbridgeException CONVERSION for a value the column cannot hold (as the text path), or a
     *     field whose length does not fit its type
     */
    void append(ColumnMapping column, ValueCodec codec, DuckDBAppender appender, byte[] b, int from, int length)
            throws SQLException {
        switch (this) {
            case INT2 -> {
                expect(column, length, 2);
                appender.append((short) int16(b, from));
            }
            case INT4 -> {
                expect(column, length, 4);
                appender.append(int32(b, from));
            }
            case INT8 -> {
                expect(column, length, 8);
                appender.append(int64(b, from));
            }
            case FLOAT4 -> {
                expect(column, length, 4);
                appender.append(Float.intBitsToFloat(int32(b, from)));
            }
            case FLOAT8 -> {
                expect(column, length, 8);
                appender.append(Double.longBitsToDouble(int64(b, from)));
            }
            case BOOL -> {
                expect(column, length, 1);
                appender.append(b[from] != 0);
            }
            case DATE -> {
                expect(column, length, 4);
                appender.appendEpochDays(epochDays(b, from));
            }
            case TIMESTAMP -> {
                expect(column, length, 8);
                appender.appendEpochMicros(epochMicros(column, b, from));
            }
            case TIME -> {
                expect(column, length, 8);
                appender.appendDayMicros(int64(b, from));
            }
            case TIMETZ -> {
                expect(column, length, 12);
                appender.appendDayMicros(int64(b, from), -int32(b, from + 8)); // PostgreSQL counts seconds west
            }
            case UUID -> {
                expect(column, length, 16);
                appender.append(new java.util.UUID(int64(b, from), int64(b, from + 8)));
            }
            case BYTEA -> appender.append(Arrays.copyOfRange(b, from, from + length));
            case TEXT, OUTPUT_TEXT -> column.appendUtf8(appender, b, from, from + length);
            case JSONB -> column.appendUtf8(appender, b, jsonText(column, b, from, length), from + length);
            case NUMERIC -> appendNumeric(column, codec, appender, b, from, length);
        }
    }

    private static void appendNumeric(
            ColumnMapping column, ValueCodec codec, DuckDBAppender appender, byte[] b, int from, int length)
            throws SQLException {
        if (codec instanceof ValueCodec.Decimal d) {
            long unscaled = unscaled(column, d, b, from, length);
            if (unscaled != Long.MIN_VALUE) {
                d.appendUnscaled(appender, unscaled);
                return;
            }
        }
        // anything else (wide, rounded, overflowing, NaN, overridden) takes the text converter
        byte[] text = numericText(column, b, from, length);
        column.appendUtf8(appender, text, 0, text.length);
    }

    /**
     * The days since 1970-01-01 of a date field ({@code b[from, from + 4)}), with PostgreSQL's ±infinity as
     * DuckDB's ±infinity.
     */
    static int epochDays(byte[] b, int from) {
        int days = int32(b, from);
        return days == Integer.MAX_VALUE
                ? ValueCodec.DATE_INFINITY
                : days == Integer.MIN_VALUE ? -ValueCodec.DATE_INFINITY : days + PG_EPOCH_DAYS;
    }

    /**
     * The microseconds since 1970-01-01 of a timestamp field ({@code b[from, from + 8)}), with PostgreSQL's
     * ±infinity as DuckDB's ±infinity.
     *
     * @throws DuckbridgeException CONVERSION for a timestamp beyond DuckDB's range
     */
    static long epochMicros(ColumnMapping column, byte[] b, int from) {
        long micros = int64(b, from);
        if (micros == Long.MAX_VALUE) {
            return ValueCodec.TIMESTAMP_INFINITY;
        } else if (micros == Long.MIN_VALUE) {
            return -ValueCodec.TIMESTAMP_INFINITY;
        } else if (micros >= Long.MAX_VALUE - PG_EPOCH_MICROS) {
            // exactly Long.MAX_VALUE after the shift (294247-01-10 04:00:54.775807) is how DuckDB stores infinity
            throw new DuckbridgeException(
                    ErrorClass.CONVERSION,
                    "column " + column.name() + ": a timestamp " + micros + " µs after 2000-01-01 is after"
                            + " DuckDB's last timestamp, 294247-01-10 04:00:54.775806; keep such values out of the"
                            + " table (infinity for \"never\") or leave the table out with duckbridge.sync.exclude");
        }
        return micros + PG_EPOCH_MICROS;
    }

    /** The header of a numeric_send field: digit count, weight of the first digit, sign word, display scale. */
    private record Numeric(int ndigits, int weight, int sign, int dscale) {
        static Numeric read(ColumnMapping column, byte[] b, int from, int length) {
            if (length < 8) {
                throw badLength(column, length, 8);
            }
            int ndigits = int16(b, from);
            if (length != 8 + 2 * ndigits) {
                throw badLength(column, length, 8 + 2 * ndigits);
            }
            return new Numeric(ndigits, (short) int16(b, from + 2), int16(b, from + 4) & 0xffff, int16(b, from + 6));
        }
    }

    /**
     * The unscaled value at {@code d}'s scale of a numeric field, when it is exact and fits {@code d}'s
     * precision without rounding; Long.MIN_VALUE when the value must take the text converter (NaN, ±Infinity,
     * more fractional digits than the scale, overflow, more digits than a long holds, or a codec whose
     * values do not fit a long).
     *
     * @throws DuckbridgeException CONVERSION for a field whose length does not match its digit count
     */
    static long unscaled(ColumnMapping column, ValueCodec.Decimal d, byte[] b, int from, int length) {
        Numeric h = Numeric.read(column, b, from, length);
        int ndigits = h.ndigits();
        int weight = h.weight();
        int sign = h.sign();
        int dscale = h.dscale();
        if (sign != 0x0000 && sign != 0x4000) {
            return Long.MIN_VALUE; // NaN, ±Infinity
        }
        if (!d.fitsLong() || dscale > d.scale() || ndigits > 5) {
            return Long.MIN_VALUE;
        }
        // value = sum(digit[i] * 10000^(weight - i)); unscaled at the column's scale s is value * 10^s
        long acc = 0;
        for (int i = 0; i < ndigits && acc != Long.MIN_VALUE; i++) {
            acc = acc > (Long.MAX_VALUE - 9_999) / 10_000 ? Long.MIN_VALUE : acc * 10_000 + int16(b, from + 8 + 2 * i);
        }
        int exponent = d.scale() - 4 * (ndigits - 1 - weight); // acc * 10^exponent is the unscaled value
        long unscaled = Long.MIN_VALUE;
        if (acc == Long.MIN_VALUE) {
            // too many digits for a long: the text path
        } else if (acc == 0) {
            unscaled = 0;
        } else if (exponent >= 0 && exponent < POWERS_OF_TEN.length) {
            long p = POWERS_OF_TEN[exponent];
            if (acc <= Long.MAX_VALUE / p) {
                unscaled = acc * p;
            }
        } else if (exponent < 0 && -exponent < POWERS_OF_TEN.length) {
            long p = POWERS_OF_TEN[-exponent];
            if (acc % p == 0) {
                unscaled = acc / p;
            }
        }
        if (unscaled == Long.MIN_VALUE || unscaled >= POWERS_OF_TEN[d.precision()]) {
            return Long.MIN_VALUE;
        }
        return sign == 0x4000 ? -unscaled : unscaled;
    }

    /**
     * numeric_out's text of a numeric field ({@code NaN}, {@code Infinity}, {@code -Infinity} or the plain
     * decimal with the field's display scale), for the text converter.
     *
     * @throws DuckbridgeException CONVERSION for a field whose length does not match its digit count
     */
    static byte[] numericText(ColumnMapping column, byte[] b, int from, int length) {
        Numeric h = Numeric.read(column, b, from, length);
        int ndigits = h.ndigits();
        int weight = h.weight();
        int sign = h.sign();
        int dscale = h.dscale();
        switch (sign) {
            case 0xC000 -> {
                return NUMERIC_NAN;
            }
            case 0xD000 -> {
                return NUMERIC_INFINITY;
            }
            case 0xF000 -> {
                return NUMERIC_MINUS_INFINITY;
            }
            default -> {}
        }
        BigInteger digits = BigInteger.ZERO;
        BigInteger base = BigInteger.valueOf(10_000);
        for (int i = 0; i < ndigits; i++) {
            digits = digits.multiply(base).add(BigInteger.valueOf(int16(b, from + 8 + 2 * i)));
        }
        BigDecimal value = new BigDecimal(sign == 0x4000 ? digits.negate() : digits, 4 * (ndigits - 1 - weight));
        value = value.setScale(dscale, java.math.RoundingMode.UNNECESSARY);
        return value.toPlainString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Where the JSON text of a jsonb_send field starts (after its version byte).
     *
     * @throws DuckbridgeException CONVERSION for an empty field or a version other than 1
     */
    static int jsonText(ColumnMapping column, byte[] b, int from, int length) {
        if (length < 1 || b[from] != 1) {
            throw new DuckbridgeException(
                    ErrorClass.CONVERSION,
                    "column " + column.name() + ": unknown jsonb binary version " + (length < 1 ? -1 : b[from]));
        }
        return from + 1;
    }

    /** @throws DuckbridgeException CONVERSION when a fixed-size field has another length */
    static void expect(ColumnMapping column, int length, int expected) {
        if (length != expected) {
            throw badLength(column, length, expected);
        }
    }

    private static DuckbridgeException badLength(ColumnMapping column, int length, int expected) {
        return new DuckbridgeException(
                ErrorClass.CONVERSION,
                "column " + column.name() + " (" + column.pgType() + "): binary COPY field of " + length
                        + " bytes where " + expected + " were expected");
    }

    /** Unsigned big-endian 16 bits. */
    static int int16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    static int int32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    static long int64(byte[] b, int at) {
        return ((long) int32(b, at) << 32) | (int32(b, at + 4) & 0xffffffffL);
    }

    private static long[] powersOfTen() {
        long[] p = new long[19];
        p[0] = 1;
        for (int i = 1; i < p.length; i++) {
            p[i] = p[i - 1] * 10;
        }
        return p;
    }
}
