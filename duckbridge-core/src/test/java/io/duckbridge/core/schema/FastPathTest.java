package io.duckbridge.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;

/** The byte-level fast path appends exactly what the String path appends. */
class FastPathTest {
    static PgType.Scalar numeric(int p, int s) {
        return new PgType.Scalar("numeric", ((p << 16) | s) + 4, "numeric(" + p + "," + s + ")");
    }

    @Test
    void appendsTheSameValuesAsTheStringPath() throws Exception {
        List<PgType> types = List.of(
                new PgType.Scalar("int2", -1, "smallint"),
                new PgType.Scalar("int4", -1, "integer"),
                new PgType.Scalar("int8", -1, "bigint"),
                new PgType.Scalar("bool", -1, "boolean"),
                new PgType.Scalar("date", -1, "date"),
                new PgType.Scalar("timestamp", -1, "timestamp"),
                new PgType.Scalar("timestamptz", -1, "timestamptz"),
                numeric(4, 1),
                numeric(9, 3),
                numeric(18, 4));
        String[][] values = {
            {"-32768", "32767", "0", "7"},
            {"-2147483648", "2147483647", "0", "-5"},
            {"-9223372036854775808", "9223372036854775807", "0", "123456789012345678"},
            {"t", "f", "t", "f"},
            {"2024-02-29", "1969-12-31", "0044-03-15 BC", "infinity"},
            {"2024-02-29 13:14:15.123456", "1969-12-31 23:59:59.5", "0044-03-15 12:00:00 BC", "-infinity"},
            {"2024-02-29 13:14:15.1+05:30", "1970-01-01 00:00:00-08", "2000-01-01 00:00:00+05:30:15", "infinity"},
            {"-999.9", "0.5", "12", "-0.1"},
            {"123456.789", "-0.001", "1.5", "0"},
            {"12345678901234.5678", "-1", "0.0001", "NaN"}
        };
        try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:")) {
            try (Statement st = c.createStatement()) {
                st.execute("SET TimeZone = 'UTC'");
            }
            for (int t = 0; t < types.size(); t++) {
                PgType type = types.get(t);
                ColumnMapping m = TypeMapping.defaults()
                        .map(new TableName("public", "t"), new SourceColumn("c", type.formatted(), type, true));
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE fast" + t + " (c " + m.duckDbType() + ")");
                    st.execute("CREATE TABLE slow" + t + " (c " + m.duckDbType() + ")");
                }
                try (DuckDBAppender fast = c.createAppender("main", "fast" + t);
                        DuckDBAppender slow = c.createAppender("main", "slow" + t)) {
                    for (String v : values[t]) {
                        byte[] padded = ("x" + v + "y").getBytes(StandardCharsets.UTF_8);
                        fast.beginRow();
                        m.appendUtf8(fast, padded, 1, padded.length - 1);
                        fast.endRow();
                        slow.beginRow();
                        m.append(slow, m.convert(v));
                        slow.endRow();
                    }
                }
                assertThat(read(c, "fast" + t)).as(type.formatted()).containsExactlyElementsOf(read(c, "slow" + t));
            }
        }
    }

    static List<String> read(DuckDBConnection c, String table) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT c::VARCHAR FROM " + table)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
