package io.duckbridge.core.backup;

import io.duckbridge.core.lake.ParquetImporter;
import io.duckbridge.core.sync.snapshot.CopyIngester;
import io.duckbridge.core.sync.snapshot.SnapshotCopier;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what a DuckDB database contains, through SQL on a connection the caller owns: its tables with
 * row counts and content checksums, and the rows of Duckbridge's state tables. Run inside one transaction
 * to get one snapshot. Stateless.
 */
final class ContentSummary {
    static final String STATE_SCHEMA = "duckbridge";

    /**
     * The {@code duckdb_tables()} condition for the private tables running jobs keep in the live database while
     * they load: a sync's staging tables (beside the live table, and everything in schema
     * {@value CopyIngester#STAGING_SCHEMA}), an import's and a restore's. They are half-done work of a job,
     * not data: backups leave them out, and restores leave them alone so the job can finish.
     */
    static final String JOB_TABLE = "(starts_with(table_name, '" + SnapshotCopier.STAGING_PREFIX + "')"
            + " OR starts_with(table_name, '" + ParquetImporter.STAGING_PREFIX + "')"
            + " OR starts_with(table_name, '" + BackupRestorer.STAGING_PREFIX + "')"
            + " OR schema_name = '" + CopyIngester.STAGING_SCHEMA + "')";

    /** The schema that holds nothing but jobs' staging tables; see {@link #JOB_TABLE}. */
    static final String JOB_SCHEMA = CopyIngester.STAGING_SCHEMA;

    private static final int MAX_STATE_ROWS = 10_000;

    private ContentSummary() {}

    static String currentDatabase(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Base tables of {@code database} as (schema, name), in schema and name order. */
    static List<String[]> tables(Connection c, String database) throws SQLException {
        List<String[]> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT schema_name, table_name FROM duckdb_tables()"
                + " WHERE database_name = ? AND NOT temporary ORDER BY schema_name, table_name")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        return tables;
    }

    /** Row count and {@code sum(hash(row))} of one table. */
    static TableChecksum checksum(Connection c, String database, String schema, String table) throws SQLException {
        // the row alias is unusual so that it does not collide with a column name
        String sql = "SELECT count(*), coalesce(sum(hash(duckbridge_row__)), 0)::VARCHAR FROM " + quote(database) + "."
                + quote(schema) + "." + quote(table) + " AS duckbridge_row__";
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new TableChecksum(schema, table, rs.getLong(1), rs.getString(2));
        }
    }

    static List<TableChecksum> checksums(Connection c, String database) throws SQLException {
        return checksums(c, database, true);
    }

    /** Checksums of every table, or of every table but the {@link #JOB_TABLE jobs' staging tables}. */
    static List<TableChecksum> checksums(Connection c, String database, boolean withJobTables) throws SQLException {
        List<String[]> jobTables = withJobTables ? List.of() : jobTables(c, database);
        List<TableChecksum> sums = new ArrayList<>();
        for (String[] t : tables(c, database)) {
            if (jobTables.stream().noneMatch(j -> j[0].equals(t[0]) && j[1].equals(t[1]))) {
                sums.add(checksum(c, database, t[0], t[1]));
            }
        }
        return sums;
    }

    /** The {@link #JOB_TABLE jobs' staging tables} of {@code database} as (schema, name). */
    static List<String[]> jobTables(Connection c, String database) throws SQLException {
        List<String[]> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT schema_name, table_name FROM duckdb_tables()"
                + " WHERE database_name = ? AND NOT temporary AND " + JOB_TABLE)) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        return tables;
    }

    /** Rows of every table in schema {@code duckbridge} (sync watermarks, CDC state), JSON-friendly. */
    static Map<String, List<Map<String, Object>>> state(Connection c, String database) throws SQLException {
        Map<String, List<Map<String, Object>>> state = new LinkedHashMap<>();
        for (String[] t : tables(c, database)) {
            if (!STATE_SCHEMA.equals(t[0])) {
                continue;
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT * FROM " + quote(database) + "." + quote(t[0]) + "."
                            + quote(t[1]) + " LIMIT " + MAX_STATE_ROWS)) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnName(i), jsonValue(rs.getObject(i)));
                    }
                    rows.add(row);
                }
            }
            state.put(t[1], rows);
        }
        return state;
    }

    private static Object jsonValue(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Double || v instanceof Float) {
            return v;
        }
        if (v instanceof BigDecimal || v instanceof java.math.BigInteger) {
            return v.toString();
        }
        return v.toString();
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
