package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.snapshot.CopyIngester;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Compares a PostgreSQL table with its DuckDB copy row by row: the PostgreSQL rows are read now with
 * {@code COPY ... TO STDOUT}, converted by the sync feature's type mapping (as a fresh sync would store
 * them) into a scratch DuckDB table, and compared with {@code EXCEPT ALL} in both directions.
 */
final class TableComparison {
    private TableComparison() {}

    /** The rows that differ (prefixed "missing in DuckDB: " or "extra in DuckDB: "), at most 10; empty when equal. */
    static List<String> differences(PostgresSource source, DuckDbEngine engine, String table, Path dir)
            throws Exception {
        return differences(source, engine, table, dir, io.duckbridge.core.schema.TypeMapping.defaults());
    }

    /** As {@link #differences(PostgresSource, DuckDbEngine, String, Path)}, PostgreSQL's rows mapped by {@code types}. */
    static List<String> differences(
            PostgresSource source,
            DuckDbEngine engine,
            String table,
            Path dir,
            io.duckbridge.core.schema.TypeMapping types)
            throws Exception {
        TableName scratch =
                new TableName("main", "cmp_" + UUID.randomUUID().toString().replace("-", ""));
        SourceTable shape;
        try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
            try (Statement st = c.createStatement()) {
                st.execute("SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres';"
                        + " SET bytea_output = 'hex'; SET extra_float_digits = 3");
            }
            shape = ReplicationSetup.describe(c, table);
            List<ColumnMapping> mappings = shape.mappings(types);
            boolean partitioned;
            try (var ps = c.prepareStatement("SELECT relkind = 'p' FROM pg_class WHERE oid = ?::regclass")) {
                ps.setString(1, shape.quotedSource());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    partitioned = rs.getBoolean(1);
                }
            }
            // a partitioned table's rows are in its partitions, which ONLY would leave out
            String copy = "COPY (SELECT " + CopyIngester.selectList(mappings) + " FROM " + (partitioned ? "" : "ONLY ")
                    + shape.quotedSource() + ") TO STDOUT";
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute(CopyIngester.createTable(scratch, mappings));
                }
                CopyIngester.append(c, copy, mappings, session.connection(), scratch, JobContext.none());
                return null;
            });
            try {
                StringBuilder select = new StringBuilder();
                StringBuilder names = new StringBuilder();
                for (int i = 0; i < mappings.size(); i++) {
                    String name = SqlNames.quote(mappings.get(i).name());
                    select.append(i == 0 ? "" : ", ")
                            .append(mappings.get(i).castExpression(name))
                            .append(" AS ")
                            .append(name);
                    names.append(i == 0 ? "" : ", ").append(name);
                }
                String pg = "SELECT " + select + " FROM " + scratch.quoted();
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
                engine.write(session -> {
                    try (Statement st = session.statement()) {
                        st.execute("DROP TABLE IF EXISTS " + scratch.quoted());
                    }
                    return null;
                });
            }
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
