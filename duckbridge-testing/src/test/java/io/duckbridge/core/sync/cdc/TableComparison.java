package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.source.PostgresSource;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * Compares a PostgreSQL table with its DuckDB copy row by row: the PostgreSQL rows are read now with
 * {@code COPY ... CSV} and compared in DuckDB with {@code EXCEPT ALL} in both directions.
 */
final class TableComparison {
    private TableComparison() {}

    /** The rows that differ (prefixed "missing in DuckDB: " or "extra in DuckDB: "), at most 10; empty when equal. */
    static List<String> differences(PostgresSource source, DuckDbEngine engine, String table, Path dir)
            throws Exception {
        Path file = Files.createTempFile(dir, "cmp-", ".csv");
        SourceTable shape;
        try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
            shape = ReplicationSetup.describe(c, table);
            try (OutputStream out = Files.newOutputStream(file)) {
                c.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyOut("COPY " + shape.quotedSource() + " TO STDOUT (FORMAT csv)", out);
            }
        }
        try {
            StringBuilder csvColumns = new StringBuilder();
            StringBuilder select = new StringBuilder();
            StringBuilder names = new StringBuilder();
            for (int i = 0; i < shape.columns().size(); i++) {
                SourceTable.Column c = shape.columns().get(i);
                csvColumns.append(i == 0 ? "" : ", ").append("'c").append(i).append("': 'VARCHAR'");
                select.append(i == 0 ? "" : ", ")
                        .append(c.type().fromText("c" + i))
                        .append(" AS ")
                        .append(SqlNames.quote(c.name()));
                names.append(i == 0 ? "" : ", ").append(SqlNames.quote(c.name()));
            }
            String pg = "SELECT " + select + " FROM read_csv(" + SqlNames.literal(file.toString())
                    + ", auto_detect = false, header = false, delim = ',', quote = '\"', escape = '\"', nullstr = '',"
                    + " allow_quoted_nulls = false, max_line_size = 1073741824, columns = {" + csvColumns + "})";
            String duck = "SELECT " + names + " FROM " + shape.quotedTarget();
            String sql = "(SELECT 'missing in DuckDB: ' || CAST(m AS VARCHAR) FROM (" + pg + " EXCEPT ALL " + duck
                    + ") m LIMIT 10) UNION ALL (SELECT 'extra in DuckDB: ' || CAST(x AS VARCHAR) FROM (" + duck
                    + " EXCEPT ALL " + pg + ") x LIMIT 10)";
            return engine.read(Duration.ofSeconds(60), session -> {
                List<String> diff = new ArrayList<>();
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        String row = rs.getString(1);
                        diff.add(row.length() > 300 ? row.substring(0, 300) + "..." : row);
                    }
                }
                return diff;
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static long duckCount(DuckDbEngine engine, String target) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM " + target)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
