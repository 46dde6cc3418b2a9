package io.duckbridge.core.sync.incremental;

import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.PgType;
import io.duckbridge.core.schema.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The highest watermark of rows just loaded (a full sync's new table, an incremental run's staged changes),
 * read from their DuckDB copy instead of a second scan of the PostgreSQL table ({@code SELECT max(col)} without an index reads every row again: 0.6 s for 5M
 * rows, as long as a tenth of the whole copy). Only columns whose DuckDB type keeps every value exactly are
 * read this way (SMALLINT, INTEGER, BIGINT, DATE, TIMESTAMP, TIMESTAMPTZ); the value is rendered as PostgreSQL
 * prints it with {@code TimeZone=UTC} ({@code 2024-06-22 14:40:00.5+00}, {@code 0044-03-15 BC},
 * {@code infinity}), the form incremental runs cast back with {@code ::type}.
 *
 * <p>The copy holds the rows the snapshot selected, so with a soft-delete filter its maximum can be lower
 * than the table's: an incremental run then re-reads a few more rows, never fewer.
 *
 * <p>A temporal watermark never goes beyond PostgreSQL's time when the rows were read ({@link #horizon}): a
 * value later than that ({@code infinity}, a date in the future) does not count, or the next runs would read
 * only rows at or after it and miss every later change. Such rows are read again by every run, which the
 * upsert makes harmless.
 */
public final class WatermarkText {
    private WatermarkText() {}

    /** Whether {@link #read} can answer for a column mapped like {@code column}. */
    public static boolean readable(ColumnMapping column) {
        return switch (column.duckDbType()) {
            case "SMALLINT", "INTEGER", "BIGINT", "DATE", "TIMESTAMP", "TIMESTAMPTZ" -> true;
            default -> false;
        };
    }

    /**
     * How far ahead of UTC a {@code timestamp} (without time zone) or {@code date} may be and still count: such
     * values carry no zone, and local time is at most 14 hours ahead of UTC anywhere (UTC+14), so the rows an
     * application writes in its own zone keep counting as they did.
     */
    static final Duration NAIVE_SLACK = Duration.ofHours(14);

    /**
     * The latest watermark a run may record for a column of PostgreSQL type {@code typeName}, as a PostgreSQL
     * expression on its transaction's {@code now()}: {@code now()} for timestamptz, UTC's wall-clock time plus
     * {@link #NAIVE_SLACK} for timestamp and date; null for other (e.g. integer) watermarks, which have no
     * horizon.
     */
    public static String horizon(PgType type) {
        String typeName = type instanceof PgType.Scalar s ? s.name() : "";
        String naive = "(now() AT TIME ZONE 'UTC') + interval '" + NAIVE_SLACK.toHours() + " hours'";
        return switch (typeName) {
            case "timestamptz" -> "now()";
            case "timestamp" -> naive;
            case "date" -> "(" + naive + ")::date";
            default -> null;
        };
    }

    /**
     * The highest value of {@code column} in {@code table} not beyond the {@link #horizon} at {@code now}, as
     * PostgreSQL's text; null when the table has no such value.
     *
     * @param now PostgreSQL's {@code now()} when the rows were read; null for no horizon
     * @throws IllegalArgumentException when {@link #readable} is false for {@code column}
     */
    public static String read(ReadSession session, TableName table, ColumnMapping column, Instant now)
            throws SQLException {
        String type = column.duckDbType();
        // the maximum's text where it is an integer or an infinity (spelled as PostgreSQL spells them), else its
        // days or microseconds since 1970 for Java to render
        String columns = switch (type) {
            case "SMALLINT", "INTEGER", "BIGINT" -> "m::VARCHAR, NULL";
            case "DATE" -> "CASE WHEN isinf(m) THEN m::VARCHAR END, date_diff('day', DATE '1970-01-01', m)";
            case "TIMESTAMP", "TIMESTAMPTZ" -> "CASE WHEN isinf(m) THEN m::VARCHAR END, epoch_us(m)";
            default -> throw new IllegalArgumentException("no exact watermark for DuckDB type " + type);
        };
        String quoted = TableName.quote(column.name());
        String limit = now == null ? null : duckDbHorizon(type, now);
        String sql = "SELECT " + columns + " FROM (SELECT max(" + quoted + ")"
                + (limit == null ? "" : " FILTER (WHERE " + quoted + " <= " + limit + ")") + " AS m FROM "
                + table.quoted() + ")";
        try (Statement st = session.statement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            String text = rs.getString(1);
            if (text != null) {
                return text;
            }
            long value = rs.getLong(2);
            if (rs.wasNull()) {
                return null;
            }
            return switch (type) {
                case "DATE" -> date(LocalDate.ofEpochDay(value));
                case "TIMESTAMP" -> timestamp(value, "");
                default -> timestamp(value, "+00");
            };
        }
    }

    /**
     * The highest value of {@code column} in {@code table} as PostgreSQL computes and prints it, on {@code pg}
     * (in its transaction, so in its snapshot): for types {@link #read} cannot answer. Scans the table.
     *
     * @param horizon the column type's {@link #horizon}, or null for none
     */
    public static String fromSource(Connection pg, TableName table, String column, String horizon) throws SQLException {
        String quoted = TableName.quote(column);
        try (PreparedStatement ps = pg.prepareStatement("SELECT max(" + quoted + ")"
                        + (horizon == null ? "" : " FILTER (WHERE " + quoted + " <= " + horizon + ")")
                        + "::text FROM " + table.quoted());
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** {@link #horizon} as a DuckDB expression for a column of DuckDB type {@code type}; null for none. */
    private static String duckDbHorizon(String type, Instant now) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, now);
        long naive = micros + NAIVE_SLACK.toNanos() / 1000;
        return switch (type) {
            case "TIMESTAMPTZ" -> "make_timestamptz(" + micros + ")";
            case "TIMESTAMP" -> "make_timestamp(" + naive + ")";
            case "DATE" -> "CAST(make_timestamp(" + naive + ") AS DATE)";
            default -> null;
        };
    }

    /** PostgreSQL's ISO output of a date: {@code 2024-06-22}, {@code 0044-03-15 BC}. */
    static String date(LocalDate d) {
        return ymd(d) + (d.getYear() <= 0 ? " BC" : "");
    }

    /**
     * PostgreSQL's ISO output of a timestamp {@code micros} after 1970-01-01 (UTC for timestamptz, whose
     * {@code offset} is {@code +00}): {@code 2024-06-22 14:40:00}, fractional digits without trailing zeros.
     */
    static String timestamp(long micros, String offset) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000L), (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(ymd(t.toLocalDate()));
        sb.append(String.format(Locale.ROOT, " %02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
        int fraction = t.getNano() / 1000;
        if (fraction != 0) {
            String digits = String.format(Locale.ROOT, "%06d", fraction);
            int end = digits.length();
            while (digits.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(digits, 0, end);
        }
        sb.append(offset);
        if (t.getYear() <= 0) {
            sb.append(" BC");
        }
        return sb.toString();
    }

    private static String ymd(LocalDate d) {
        int year = d.getYear() <= 0 ? 1 - d.getYear() : d.getYear();
        return String.format(Locale.ROOT, "%04d-%02d-%02d", year, d.getMonthValue(), d.getDayOfMonth());
    }
}
