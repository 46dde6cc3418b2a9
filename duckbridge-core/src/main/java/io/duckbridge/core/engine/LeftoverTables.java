package io.duckbridge.core.engine;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.schema.TableName;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops the private tables a load leaves in the database when its process dies before the load ends (a sync's
 * or an import's staging tables, a restore's copies). Each feature names its own with a prefix followed by a
 * {@link #newRunId() run id}, which starts with a token of this process: {@link #drop} only drops tables of
 * other processes, which are dead (DuckDB lets one process at a time open the file), so it is safe to call
 * while this process's loads run. Thread-safe.
 */
public final class LeftoverTables {
    private static final Logger log = LoggerFactory.getLogger(LeftoverTables.class);
    /** Random per process (JVM); part of every run id made here. */
    private static final String PROCESS = HexFormat.of().toHexDigits(new SecureRandom().nextInt());

    private LeftoverTables() {}

    /** A new id for one load's private tables and files: this process's token and 8 random hex digits. */
    public static String newRunId() {
        return PROCESS + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    /** Whether {@code name} (a table or a staging directory) carries a run id of this process. */
    public static boolean ours(String name) {
        return name.contains(PROCESS);
    }

    /**
     * Drops every table of the current database whose name starts with {@code prefix}, in any schema, and every
     * table in {@code schema} (when not null), through the writer lane — except those of this process's runs.
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
                            + " AND (starts_with(table_name, ?) OR schema_name = ?) AND NOT contains(table_name, ?)")) {
                ps.setString(1, prefix);
                ps.setString(2, schema);
                ps.setString(3, PROCESS);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sql.add("DROP TABLE IF EXISTS " + new TableName(rs.getString(1), rs.getString(2)).quoted());
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

    /**
     * As {@link #drop}, logging what was dropped (as left by {@code what}, e.g. "an interrupted sync") and,
     * instead of throwing, why nothing could be: a clean-up must not stop the feature from starting.
     */
    public static void dropQuietly(DuckDbEngine engine, String prefix, String schema, String what) {
        try {
            int dropped = drop(engine, prefix, schema);
            if (dropped > 0) {
                log.info("dropped {} staging table(s) left by {}", dropped, what);
            }
        } catch (DuckbridgeException e) {
            log.warn("could not drop the staging tables left by {}: {}", what, e.getMessage());
        }
    }
}
