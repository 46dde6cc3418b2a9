package io.duckbridge.core.sync.incremental;

import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
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
     * The highest value of {@code column} in {@code table}, as PostgreSQL's text; null when the table has no
     * non-NULL value.
     *
     * @throws IllegalArgumentException when {@link #readable} is false for {@code column}
     */
    public static String read(ReadSession session, TableName table, ColumnMapping column) throws SQLException {
        String type = column.duckDbType();
        // the maximum's text where it is an integer or an infinity (spelled as PostgreSQL spells them), else its
        // days or microseconds since 1970 for Java to render
        String columns = switch (type) {
            case "SMALLINT", "INTEGER", "BIGINT" -> "m::VARCHAR, NULL";
            case "DATE" -> "CASE WHEN isinf(m) THEN m::VARCHAR END, date_diff('day', DATE '1970-01-01', m)";
            case "TIMESTAMP", "TIMESTAMPTZ" -> "CASE WHEN isinf(m) THEN m::VARCHAR END, epoch_us(m)";
            default -> throw new IllegalArgumentException("no exact watermark for DuckDB type " + type);
        };
        String sql = "SELECT " + columns + " FROM (SELECT max(" + TableName.quote(column.name()) + ") AS m FROM "
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
     */
    public static String fromSource(Connection pg, TableName table, String column) throws SQLException {
        try (PreparedStatement ps = pg.prepareStatement(
                        "SELECT max(" + TableName.quote(column) + ")::text FROM " + table.quoted());
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
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
