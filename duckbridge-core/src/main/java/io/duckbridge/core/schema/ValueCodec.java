package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.duckdb.DuckDBAppender;

/**
 * Converts PostgreSQL's text output of one type into the Java value that is appended to a DuckDB column.
 *
 * <p>Two representations exist. At the top level of a column the value matches the column's
 * {@link #loadType()} and is written with {@link #append}; inside a LIST or STRUCT the value is a plain Java
 * object the DuckDB appender understands in collections ({@link #decodeNested}) for the
 * {@link #nestedLoadType()}. Where the appender cannot write a type (INTERVAL, BIT, and some types inside
 * collections) the load type is VARCHAR holding text DuckDB parses, and the staging table is cast to the
 * final type. Stateless except for the lossy counter it is given; thread-safe.
 */
abstract class ValueCodec {
    /** The DuckDB type of the live column. */
    abstract String duckType();

    /** The DuckDB type of the staging column at the top level. */
    String loadType() {
        return duckType();
    }

    /** The DuckDB type of this value inside a LIST or STRUCT staging column. */
    String nestedLoadType() {
        return loadType();
    }

    /** The value for the top-level staging column, or null (for a value stored as NULL). */
    abstract Object decode(String text, ValueContext context);

    /** The value inside a collection; by default the same as at the top level. */
    Object decodeNested(String text, ValueContext context) {
        return decode(text, context);
    }

    /** Appends a non-null value made by {@link #decode} to the appender's current column. */
    abstract void append(DuckDBAppender appender, Object value) throws SQLException;

    /**
     * Appends the value whose unescaped UTF-8 text is {@code bytes[from, to)} without making a String, when
     * this codec has such a fast path and the text is in its common form.
     *
     * @return false when the caller must take the String path ({@link #decode} then {@link #append})
     */
    boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
        return false;
    }

    /** Parses an optionally signed decimal integer of at most 18 digits; Long.MIN_VALUE when it is not one. */
    static long parseLong(byte[] b, int from, int to) {
        if (from >= to) {
            return Long.MIN_VALUE;
        }
        boolean negative = b[from] == '-';
        int i = negative || b[from] == '+' ? from + 1 : from;
        if (i >= to || to - i > 18) {
            return Long.MIN_VALUE;
        }
        long v = 0;
        for (; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
    static long epochDay(long y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    /** Two ASCII digits at {@code i}, or -1. */
    static int twoDigits(byte[] b, int i) {
        int a = b[i] - '0';
        int c = b[i + 1] - '0';
        return a < 0 || a > 9 || c < 0 || c > 9 ? -1 : a * 10 + c;
    }

    /**
     * Parses {@code YYYY-MM-DD} (four-digit year, AD) at {@code from} into days since 1970, or Long.MIN_VALUE.
     */
    static long parseIsoDate(byte[] b, int from, int to) {
        if (to - from < 10 || b[from + 4] != '-' || b[from + 7] != '-') {
            return Long.MIN_VALUE;
        }
        int hi = twoDigits(b, from);
        int lo = twoDigits(b, from + 2);
        int m = twoDigits(b, from + 5);
        int d = twoDigits(b, from + 8);
        if (hi < 0 || lo < 0 || m < 1 || m > 12 || d < 1 || d > 31) {
            return Long.MIN_VALUE;
        }
        return epochDay(hi * 100L + lo, m, d);
    }

    /**
     * Parses {@code HH:MM:SS[.f{1,6}]} at {@code from} up to {@code to} into microseconds, or -1.
     */
    static long parseIsoTime(byte[] b, int from, int to) {
        if (to - from < 8 || b[from + 2] != ':' || b[from + 5] != ':') {
            return -1;
        }
        int h = twoDigits(b, from);
        int mi = twoDigits(b, from + 3);
        int se = twoDigits(b, from + 6);
        if (h < 0 || mi < 0 || se < 0) {
            return -1;
        }
        long micros = 0;
        int i = from + 8;
        if (i < to) {
            if (b[i] != '.' || to - i - 1 > 6 || to - i - 1 < 1) {
                return -1;
            }
            int digits = 0;
            for (i++; i < to; i++, digits++) {
                int dd = b[i] - '0';
                if (dd < 0 || dd > 9) {
                    return -1;
                }
                micros = micros * 10 + dd;
            }
            for (; digits < 6; digits++) {
                micros *= 10;
            }
        }
        return ((h * 60L + mi) * 60L + se) * 1_000_000L + micros;
    }

    /** What the value context carries: the column being converted and where lossy values are counted. */
    record ValueContext(String column, LossyValues lossy) {}

    static DuckbridgeException unparsable(String type, String text, ValueContext context, Exception cause) {
        String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return new DuckbridgeException(
                ErrorClass.CONVERSION,
                "column " + context.column() + ": cannot read \"" + shown + "\" as PostgreSQL " + type,
                cause);
    }

    // ---- numbers -------------------------------------------------------------------------------

    static final class Int16 extends ValueCodec {
        @Override
        boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
            long v = parseLong(bytes, from, to);
            if (v < Short.MIN_VALUE || v > Short.MAX_VALUE) {
                return false;
            }
            appender.append((short) v);
            return true;
        }

        @Override
        String duckType() {
            return "SMALLINT";
        }

        @Override
        Object decode(String text, ValueContext context) {
            return Short.valueOf(text);
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((short) (Short) value);
        }
    }

    static final class Int32 extends ValueCodec {
        @Override
        boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
            long v = parseLong(bytes, from, to);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                return false;
            }
            appender.append((int) v);
            return true;
        }

        @Override
        String duckType() {
            return "INTEGER";
        }

        @Override
        Object decode(String text, ValueContext context) {
            return Integer.valueOf(text);
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((int) (Integer) value);
        }
    }

    static final class Int64 extends ValueCodec {
        @Override
        boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
            long v = parseLong(bytes, from, to);
            if (v == Long.MIN_VALUE) {
                return false;
            }
            appender.append(v);
            return true;
        }

        @Override
        String duckType() {
            return "BIGINT";
        }

        @Override
        Object decode(String text, ValueContext context) {
            return Long.valueOf(text);
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((long) (Long) value);
        }
    }

    static final class Float32 extends ValueCodec {
        @Override
        String duckType() {
            return "FLOAT";
        }

        @Override
        Object decode(String text, ValueContext context) {
            return Float.valueOf(text);
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((float) (Float) value);
        }
    }

    static final class Float64 extends ValueCodec {
        @Override
        String duckType() {
            return "DOUBLE";
        }

        @Override
        Object decode(String text, ValueContext context) {
            return Double.valueOf(text);
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((double) (Double) value);
        }
    }

    /** numeric (and money) into DECIMAL(p,s): rounds extra fractional digits (lossy), fails on overflow. */
    static final class Decimal extends ValueCodec {
        private final int precision;
        private final int scale;
        private final boolean money;
        private final BigDecimal limit;
        private final String override;

        Decimal(int precision, int scale, boolean money, String override) {
            this.precision = precision;
            this.scale = scale;
            this.money = money;
            this.limit = BigDecimal.TEN.pow(precision - scale);
            this.override = override;
        }

        @Override
        String duckType() {
            return "DECIMAL(" + precision + "," + scale + ")";
        }

        @Override
        boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
            if (money || precision > 18 || from >= to) {
                return false;
            }
            boolean negative = bytes[from] == '-';
            int i = negative ? from + 1 : from;
            long unscaled = 0;
            int integerDigits = 0;
            int fractionDigits = 0;
            boolean point = false;
            boolean leading = true;
            for (; i < to; i++) {
                byte c = bytes[i];
                if (c == '.' && !point) {
                    point = true;
                    continue;
                }
                int d = c - '0';
                if (d < 0 || d > 9) {
                    return false; // NaN, Infinity, exponents: the String path handles them
                }
                if (point) {
                    if (++fractionDigits > scale) {
                        return false; // rounding is lossy: the String path counts it
                    }
                } else if (!(leading && d == 0)) {
                    leading = false;
                    if (++integerDigits > precision - scale) {
                        return false; // overflow: the String path fails with the column and override
                    }
                }
                unscaled = unscaled * 10 + d;
            }
            for (int k = fractionDigits; k < scale; k++) {
                unscaled *= 10;
            }
            appendUnscaled(appender, negative ? -unscaled : unscaled);
            return true;
        }

        /** Whether the unscaled value always fits a long (and money's text needs no special parsing). */
        boolean fitsLong() {
            return !money && precision <= 18;
        }

        int precision() {
            return precision;
        }

        int scale() {
            return scale;
        }

        /** Appends the value {@code unscaled × 10^-scale}, which the caller has checked fits the precision. */
        void appendUnscaled(DuckDBAppender appender, long unscaled) throws SQLException {
            if (precision <= 4) {
                appender.appendDecimal((short) unscaled);
            } else if (precision <= 9) {
                appender.appendDecimal((int) unscaled);
            } else {
                appender.appendDecimal(unscaled);
            }
        }

        @Override
        Object decode(String text, ValueContext context) {
            String t = money ? moneyToNumeric(text) : text;
            char first = t.isEmpty() ? ' ' : t.charAt(0);
            if (first == 'N' || first == 'I' || (first == '-' && t.length() > 1 && t.charAt(1) == 'I')) {
                context.lossy().record(); // NaN, Infinity, -Infinity have no DECIMAL value
                return null;
            }
            BigDecimal value;
            try {
                value = new BigDecimal(t);
            } catch (NumberFormatException e) {
                throw unparsable(money ? "money" : "numeric", text, context, e);
            }
            BigDecimal scaled;
            if (value.scale() == scale) {
                scaled = value;
            } else if (value.scale() < scale) {
                scaled = value.setScale(scale, RoundingMode.UNNECESSARY);
            } else {
                scaled = value.setScale(scale, RoundingMode.HALF_EVEN);
                if (scaled.compareTo(value) != 0) {
                    context.lossy().record();
                }
            }
            if (scaled.abs().compareTo(limit) >= 0) {
                throw new DuckbridgeException(
                        ErrorClass.CONVERSION,
                        "column " + context.column() + ": value " + abbreviate(text) + " overflows " + duckType()
                                + "; keep it with " + override);
            }
            return scaled;
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((BigDecimal) value);
        }

        private static String abbreviate(String text) {
            return text.length() > 50 ? text.substring(0, 50) + "..." : text;
        }
    }

    /** Money's text output is locale-formatted ({@code $1,234.56}, {@code -$1.00}, {@code ($1.00)}). */
    static String moneyToNumeric(String text) {
        boolean negative = text.indexOf('-') >= 0 || text.startsWith("(");
        StringBuilder sb = new StringBuilder(text.length());
        if (negative) {
            sb.append('-');
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c >= '0' && c <= '9') || c == '.') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    // ---- text, binary, boolean, uuid ---------------------------------------------------------

    /** Text kept as is: VARCHAR for strings and unmapped types, JSON for json/jsonb, BIT for bit strings. */
    static final class Text extends ValueCodec {
        private final String duckType;
        private final String loadType;
        private final String nestedLoadType;

        Text(String duckType, String loadType, String nestedLoadType) {
            this.duckType = duckType;
            this.loadType = loadType;
            this.nestedLoadType = nestedLoadType;
        }

        @Override
        String duckType() {
            return duckType;
        }

        @Override
        String loadType() {
            return loadType;
        }

        @Override
        String nestedLoadType() {
            return nestedLoadType;
        }

        @Override
        Object decode(String text, ValueContext context) {
            return text;
        }

        @Override
        boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
            if (!loadType.equals("VARCHAR")) {
                return false;
            }
            // the appender stores a VARCHAR's UTF-8 bytes as given: no String, no re-encoding
            appender.append(java.util.Arrays.copyOfRange(bytes, from, to));
            return true;
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((String) value);
        }
    }

    /** bit and varbit: DuckDB's BIT has no empty value, so an empty bit string is stored as NULL and counted. */
    static final class BitString extends ValueCodec {
        @Override
        String duckType() {
            return "BIT";
        }

        @Override
        String loadType() {
            return "VARCHAR"; // the appender cannot write BIT; the staging text is cast
        }

        @Override
        Object decode(String text, ValueContext context) {
            if (text.isEmpty()) {
                context.lossy().record();
                return null;
            }
            return text;
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((String) value);
        }
    }

    static final class Bytea extends ValueCodec {
        private static final HexFormat HEX = HexFormat.of();

        @Override
        String duckType() {
            return "BLOB";
        }

        @Override
        Object decode(String text, ValueContext context) {
            if (text.startsWith("\\x")) {
                return HEX.parseHex(text, 2, text.length());
            }
            return decodeEscapeFormat(text);
        }

        private static byte[] decodeEscapeFormat(String text) {
            var out = new java.io.ByteArrayOutputStream(text.length());
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '\\') {
                    out.write('\\');
                    i++;
                } else if (c == '\\' && i + 3 < text.length()) {
                    out.write(Integer.parseInt(text.substring(i + 1, i + 4), 8));
                    i += 3;
                } else {
                    out.write((byte) c);
                }
            }
            return out.toByteArray();
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((byte[]) value);
        }
    }

    static final class Bool extends ValueCodec {
        @Override
        boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
            if (to - from != 1) {
                return false;
            }
            appender.append(bytes[from] == 't');
            return true;
        }

        @Override
        String duckType() {
            return "BOOLEAN";
        }

        @Override
        Object decode(String text, ValueContext context) {
            return text.equals("t") || text.equalsIgnoreCase("true");
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((boolean) (Boolean) value);
        }
    }

    static final class Uuid extends ValueCodec {
        @Override
        String duckType() {
            return "UUID";
        }

        @Override
        Object decode(String text, ValueContext context) {
            return UUID.fromString(text);
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((UUID) value);
        }
    }

    /** An enum: ENUM with the PostgreSQL labels in their order; VARCHAR inside collections (then cast). */
    static final class Enumerated extends ValueCodec {
        private final String duckType;

        Enumerated(List<String> labels) {
            StringBuilder sb = new StringBuilder("ENUM(");
            for (int i = 0; i < labels.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append('\'').append(labels.get(i).replace("'", "''")).append('\'');
            }
            this.duckType = sb.append(')').toString();
        }

        @Override
        String duckType() {
            return duckType;
        }

        @Override
        String nestedLoadType() {
            return "VARCHAR";
        }

        @Override
        Object decode(String text, ValueContext context) {
            return text;
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((String) value);
        }
    }

    // ---- date and time -------------------------------------------------------------------------

    static final int DATE_INFINITY = Integer.MAX_VALUE;
    static final long TIMESTAMP_INFINITY = Long.MAX_VALUE;

    static final class Date extends ValueCodec {
        @Override
        boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
            if (to - from != 10) {
                return false;
            }
            long day = parseIsoDate(bytes, from, to);
            if (day == Long.MIN_VALUE) {
                return false;
            }
            appender.appendEpochDays((int) day);
            return true;
        }

        @Override
        String duckType() {
            return "DATE";
        }

        @Override
        Object decode(String text, ValueContext context) {
            if (text.equals("infinity")) {
                return DATE_INFINITY;
            }
            if (text.equals("-infinity")) {
                return -DATE_INFINITY;
            }
            try {
                return (int) parseDate(text, 0, text.length()).toEpochDay();
            } catch (RuntimeException e) {
                throw unparsable("date", text, context, e);
            }
        }

        @Override
        Object decodeNested(String text, ValueContext context) {
            if (text.endsWith("infinity")) {
                context.lossy().record();
                return null;
            }
            return LocalDate.ofEpochDay((Integer) decode(text, context));
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.appendEpochDays((Integer) value);
        }
    }

    static final class Timestamp extends ValueCodec {
        private final boolean withZone;

        @Override
        boolean appendRaw(DuckDBAppender appender, byte[] bytes, int from, int to) throws SQLException {
            if (to - from < 19 || bytes[from + 10] != ' ') {
                return false;
            }
            long day = parseIsoDate(bytes, from, from + 10);
            if (day == Long.MIN_VALUE) {
                return false;
            }
            int timeEnd = to;
            long offsetSeconds = 0;
            if (withZone) {
                // PostgreSQL prints the offset as +HH, +HH:MM or +HH:MM:SS after the time
                int sign = -1;
                for (int i = to - 1; i > from + 18; i--) {
                    if (bytes[i] == '+' || bytes[i] == '-') {
                        sign = i;
                        break;
                    }
                }
                if (sign < 0 || to - sign < 3) {
                    return false;
                }
                int h = twoDigits(bytes, sign + 1);
                int m = to - sign >= 6 ? twoDigits(bytes, sign + 4) : 0;
                int sec = to - sign >= 9 ? twoDigits(bytes, sign + 7) : 0;
                if (h < 0 || m < 0 || sec < 0 || (to - sign != 3 && to - sign != 6 && to - sign != 9)) {
                    return false;
                }
                offsetSeconds = (bytes[sign] == '-' ? -1 : 1) * (h * 3600L + m * 60L + sec);
                timeEnd = sign;
            }
            long micros = parseIsoTime(bytes, from + 11, timeEnd);
            if (micros < 0) {
                return false;
            }
            appender.appendEpochMicros(day * 86_400_000_000L + micros - offsetSeconds * 1_000_000L);
            return true;
        }

        Timestamp(boolean withZone) {
            this.withZone = withZone;
        }

        @Override
        String duckType() {
            return withZone ? "TIMESTAMPTZ" : "TIMESTAMP";
        }

        @Override
        Object decode(String text, ValueContext context) {
            if (text.equals("infinity")) {
                return TIMESTAMP_INFINITY;
            }
            if (text.equals("-infinity")) {
                return -TIMESTAMP_INFINITY;
            }
            long micros;
            try {
                micros = parseTimestampMicros(text, withZone);
            } catch (ArithmeticException e) {
                throw beyondRange(text, context);
            } catch (RuntimeException e) {
                throw unparsable(withZone ? "timestamptz" : "timestamp", text, context, e);
            }
            if (micros == TIMESTAMP_INFINITY || micros <= -TIMESTAMP_INFINITY) {
                // DuckDB stores infinity as Long.MAX_VALUE: 294247-01-10 04:00:54.775807 would read back as infinity
                throw beyondRange(text, context);
            }
            return micros;
        }

        private DuckbridgeException beyondRange(String text, ValueContext context) {
            return new DuckbridgeException(
                    ErrorClass.CONVERSION,
                    "column " + context.column() + ": " + (withZone ? "timestamptz" : "timestamp") + " " + text
                            + " is after DuckDB's last timestamp, 294247-01-10 04:00:54.775806; keep such values out"
                            + " of the table (infinity for \"never\") or leave the table out with"
                            + " duckbridge.sync.exclude");
        }

        @Override
        Object decodeNested(String text, ValueContext context) {
            if (text.endsWith("infinity")) {
                context.lossy().record();
                return null;
            }
            long micros = (Long) decode(text, context);
            LocalDateTime local = LocalDateTime.ofEpochSecond(
                    Math.floorDiv(micros, 1_000_000L), (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
            return withZone ? local.atOffset(ZoneOffset.UTC) : local;
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.appendEpochMicros((Long) value);
        }
    }

    static final class Time extends ValueCodec {
        private final boolean withZone;

        Time(boolean withZone) {
            this.withZone = withZone;
        }

        @Override
        String duckType() {
            return withZone ? "TIMETZ" : "TIME";
        }

        @Override
        String nestedLoadType() {
            return "VARCHAR";
        }

        @Override
        Object decode(String text, ValueContext context) {
            try {
                int end = text.length();
                int offsetSeconds = 0;
                if (withZone) {
                    int sign = Math.max(text.lastIndexOf('+'), text.lastIndexOf('-'));
                    offsetSeconds = parseOffset(text, sign);
                    end = sign;
                }
                long micros = parseTimeMicros(text, 0, end);
                return withZone ? new long[] {micros, offsetSeconds} : (Object) micros;
            } catch (RuntimeException e) {
                throw unparsable(withZone ? "timetz" : "time", text, context, e);
            }
        }

        @Override
        Object decodeNested(String text, ValueContext context) {
            return text;
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            if (withZone) {
                long[] v = (long[]) value;
                appender.appendDayMicros(v[0], (int) v[1]);
            } else {
                appender.appendDayMicros((Long) value);
            }
        }
    }

    /** interval: the appender cannot write INTERVAL, so the staging column holds DuckDB interval text. */
    static final class Interval extends ValueCodec {
        @Override
        String duckType() {
            return "INTERVAL";
        }

        @Override
        String loadType() {
            return "VARCHAR";
        }

        @Override
        Object decode(String text, ValueContext context) {
            if (text.endsWith("infinity")) {
                context.lossy().record(); // PostgreSQL 17 infinite intervals have no DuckDB value
                return null;
            }
            try {
                return parseInterval(text);
            } catch (RuntimeException e) {
                throw unparsable("interval", text, context, e);
            }
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((String) value);
        }
    }

    // ---- containers ----------------------------------------------------------------------------

    static final class ArrayOf extends ValueCodec {
        private final ValueCodec element;
        private final int dimensions;

        ArrayOf(ValueCodec element, int dimensions) {
            this.element = element;
            this.dimensions = dimensions;
        }

        @Override
        String duckType() {
            return element.duckType() + "[]".repeat(dimensions);
        }

        @Override
        String loadType() {
            return element.nestedLoadType() + "[]".repeat(dimensions);
        }

        @Override
        Object decode(String text, ValueContext context) {
            List<Object> parsed = PgTextParser.parseArray(text);
            return convert(parsed, 1, context, text);
        }

        private List<Object> convert(List<Object> items, int depth, ValueContext context, String text) {
            List<Object> out = new ArrayList<>(items.size());
            for (Object item : items) {
                if (item == null) {
                    out.add(null);
                } else if (item instanceof List<?> nested) {
                    if (depth >= dimensions) {
                        throw tooDeep(context, text);
                    }
                    @SuppressWarnings("unchecked")
                    List<Object> n = (List<Object>) nested;
                    out.add(convert(n, depth + 1, context, text));
                } else {
                    if (depth != dimensions) {
                        throw tooDeep(context, text);
                    }
                    out.add(element.decodeNested((String) item, context));
                }
            }
            return out;
        }

        private DuckbridgeException tooDeep(ValueContext context, String text) {
            return new DuckbridgeException(
                    ErrorClass.CONVERSION,
                    "column " + context.column() + ": array value "
                            + (text.length() > 40 ? text.substring(0, 40) : text)
                            + " does not have the " + dimensions + " dimension(s) the column declares (PostgreSQL"
                            + " does not enforce declared dimensions, DuckDB's list type does); give every value of"
                            + " the column " + dimensions + " dimension(s), or declare the column with the number"
                            + " its values have, or leave the table out with duckbridge.sync.exclude");
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.append((Collection<?>) value);
        }
    }

    static final class Struct extends ValueCodec {
        private final List<String> names;
        private final List<ValueCodec> fields;

        Struct(List<String> names, List<ValueCodec> fields) {
            this.names = List.copyOf(names);
            this.fields = List.copyOf(fields);
        }

        @Override
        String duckType() {
            return render(false);
        }

        @Override
        String loadType() {
            return render(true);
        }

        private String render(boolean load) {
            StringBuilder sb = new StringBuilder("STRUCT(");
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(TableName.quote(names.get(i)))
                        .append(' ')
                        .append(
                                load
                                        ? fields.get(i).nestedLoadType()
                                        : fields.get(i).duckType());
            }
            return sb.append(')').toString();
        }

        @Override
        Object decode(String text, ValueContext context) {
            List<String> parts = PgTextParser.parseComposite(text);
            if (parts.size() != fields.size()) {
                throw unparsable("composite with " + fields.size() + " fields", text, context, null);
            }
            List<Object> values = new ArrayList<>(parts.size());
            for (int i = 0; i < parts.size(); i++) {
                String part = parts.get(i);
                values.add(part == null ? null : fields.get(i).decodeNested(part, context));
            }
            return values;
        }

        @Override
        void append(DuckDBAppender appender, Object value) throws SQLException {
            appender.beginStruct();
            List<?> values = (List<?>) value;
            for (int i = 0; i < values.size(); i++) {
                Object field = values.get(i);
                if (field != null && fields.get(i) instanceof Struct nested) {
                    nested.append(appender, field); // a composite field: the appender takes no list for it
                } else {
                    appendNested(appender, field);
                }
            }
            appender.endStruct();
        }

        /** Appends a nested value (see {@link ValueCodec#decodeNested}) as one struct field. */
        private static void appendNested(DuckDBAppender appender, Object v) throws SQLException {
            switch (v) {
                case null -> appender.appendNull();
                case Short s -> appender.append((short) s);
                case Integer i -> appender.append((int) i);
                case Long l -> appender.append((long) l);
                case Float f -> appender.append((float) f);
                case Double d -> appender.append((double) d);
                case Boolean b -> appender.append((boolean) b);
                case String s -> appender.append(s);
                case BigDecimal d -> appender.append(d);
                case byte[] b -> appender.append(b);
                case UUID u -> appender.append(u);
                case LocalDate d -> appender.append(d);
                case LocalDateTime t -> appender.append(t);
                case OffsetDateTime t -> appender.append(t);
                case LocalTime t -> appender.append(t);
                case BigInteger i -> appender.append(i);
                case Collection<?> c -> appender.append(c);
                default ->
                    throw new SQLException("cannot append " + v.getClass().getName() + " in a struct");
            }
        }
    }

    // ---- parsing helpers (PostgreSQL ISO DateStyle output) -------------------------------------

    /** Parses {@code YYYY-MM-DD[ BC]} starting at {@code from}. */
    static LocalDate parseDate(String s, int from, int to) {
        boolean bc = s.endsWith(" BC");
        int dash1 = s.indexOf('-', from + 1);
        int dash2 = s.indexOf('-', dash1 + 1);
        int year = Integer.parseInt(s, from, dash1, 10);
        int month = Integer.parseInt(s, dash1 + 1, dash2, 10);
        int day = Integer.parseInt(s, dash2 + 1, dash2 + 3, 10);
        return LocalDate.of(bc ? 1 - year : year, month, day);
    }

    /** Parses {@code YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]][ BC]} into microseconds since 1970 UTC. */
    static long parseTimestampMicros(String s, boolean withZone) {
        int end = s.endsWith(" BC") ? s.length() - 3 : s.length();
        int space = s.indexOf(' ');
        LocalDate date = parseDate(s, 0, space);
        int timeEnd = end;
        int offsetSeconds = 0;
        if (withZone) {
            int sign = Math.max(s.lastIndexOf('+', end - 1), s.lastIndexOf('-', end - 1));
            if (sign > space) {
                offsetSeconds = parseOffset(s.substring(0, end), sign);
                timeEnd = sign;
            }
        }
        long micros = parseTimeMicros(s, space + 1, timeEnd);
        return Math.subtractExact(
                Math.addExact(Math.multiplyExact(date.toEpochDay(), 86_400_000_000L), micros),
                offsetSeconds * 1_000_000L);
    }

    /** Parses {@code HH:MM:SS[.ffffff]}. */
    static long parseTimeMicros(String s, int from, int to) {
        int h = Integer.parseInt(s, from, from + 2, 10);
        int m = Integer.parseInt(s, from + 3, from + 5, 10);
        int sec = Integer.parseInt(s, from + 6, from + 8, 10);
        long micros = 0;
        if (to > from + 8 && s.charAt(from + 8) == '.') {
            int digits = to - (from + 9);
            micros = Long.parseLong(s, from + 9, to, 10);
            for (int i = digits; i < 6; i++) {
                micros *= 10;
            }
        }
        return ((h * 60L + m) * 60L + sec) * 1_000_000L + micros;
    }

    /** Parses an offset {@code +HH[:MM[:SS]]} at {@code at} into seconds east of UTC. */
    static int parseOffset(String s, int at) {
        int sign = s.charAt(at) == '-' ? -1 : 1;
        String[] parts = s.substring(at + 1).split(":");
        int seconds = Integer.parseInt(parts[0]) * 3600;
        if (parts.length > 1) {
            seconds += Integer.parseInt(parts[1]) * 60;
        }
        if (parts.length > 2) {
            seconds += Integer.parseInt(parts[2]);
        }
        return sign * seconds;
    }

    /**
     * Parses PostgreSQL's default ({@code IntervalStyle=postgres}) interval output, e.g.
     * {@code 1 year 2 mons -3 days +04:05:06.5}, into DuckDB interval text
     * {@code 14 months -3 days 14706500000 microseconds}.
     */
    static String parseInterval(String text) {
        long months = 0;
        long days = 0;
        long micros = 0;
        String[] tokens = text.trim().split("\\s+");
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.indexOf(':') >= 0) {
                int sign = t.startsWith("-") ? -1 : 1;
                String body = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
                String[] hms = body.split(":");
                long h = Long.parseLong(hms[0]);
                long m = Long.parseLong(hms[1]);
                String secText = hms.length > 2 ? hms[2] : "0";
                BigDecimal sec = new BigDecimal(secText);
                long total = (h * 3600 + m * 60) * 1_000_000L
                        + sec.movePointRight(6)
                                .setScale(0, RoundingMode.UNNECESSARY)
                                .longValueExact();
                micros += sign * total;
            } else {
                long amount = Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
                String unit = tokens[++i];
                if (unit.startsWith("year")) {
                    months += amount * 12;
                } else if (unit.startsWith("mon")) {
                    months += amount;
                } else if (unit.startsWith("day")) {
                    days += amount;
                } else {
                    throw new IllegalArgumentException("unknown interval unit " + unit);
                }
            }
        }
        return months + " months " + days + " days " + micros + " microseconds";
    }
}
