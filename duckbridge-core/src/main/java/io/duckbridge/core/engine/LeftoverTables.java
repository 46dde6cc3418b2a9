package io.duckbridge.core.engine;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Drops the private tables a load leaves in the database when its process dies before the load ends (a sync's
 * or an import's staging tables, a restore's copies): each feature names its own with a prefix, and calls
 * {@link #drop} when it starts, before any of its loads can run. Stateless; thread-safe.
 */
public final class LeftoverTables {
    private LeftoverTables() {}

    /**
     * Drops every table of the current database whose name starts with {@code prefix}, in any schema, and every
     * table in {@code schema} (when not null), through the writer lane.
     *
     * @return how many tables were dropped
     * @throws io.duckbridge.core.error.DuckbridgeException when DuckDB refuses the lookup or a drop
     */
    public static int drop(DuckDbEngine engine, String prefix, String schema) {
        List<String> drops = engine.read(session -> {
            List<String> sql = new ArrayList<>();
            try (PreparedStatement ps = session.connection()
                    .prepareStatement("SELECT schema_name, table_name FROM duckdb_tables()"
                            + " WHERE NOT temporary AND database_name = current_database()"
                            + " AND (starts_with(table_name, ?) OR schema_name = ?)")) {
                ps.setString(1, prefix);
                ps.setString(2, schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sql.add("DROP TABLE IF EXISTS " + quote(rs.getString(1)) + "." + quote(rs.getString(2)));
                    }
                }
            }
            return sql;
        });
        if (!drops.isEmpty()) {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    for (String sql : drops) {
                        st.execute(sql);
                    }
                }
                return null;
            });
        }
        return drops.size();
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
