package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableName;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a {@link TableLayout} to a live DuckDB table: rewrites it in sort order and (re)creates its ART
 * indexes, in one writer-lane transaction, so readers see the old table or the rewritten one, never a partial
 * one. Used after a full snapshot is staged and by the "optimize" job when incremental or CDC changes have
 * appended rows out of order.
 *
 * <p>Thread-safe: all work runs on the engine's writer lane.
 */
public final class TableOptimizer {
    private final DuckDbEngine engine;

    public TableOptimizer(DuckDbEngine engine) {
        this.engine = engine;
    }

    /**
     * Rewrites {@code table} in {@code layout}'s order and recreates its indexes.
     *
     * @return {@code table}, {@code rows}, {@code sortColumns}, {@code indexes} and {@code millis}
     * @throws DuckbridgeException NOT_FOUND when the table does not exist, INVALID_REQUEST when a layout column
     *     is not one of its columns
     */
    public Map<String, Object> optimize(TableName table, TableLayout layout) {
        long started = System.nanoTime();
        long rows = engine.write(session -> {
            List<String> columns = columns(session, table);
            if (columns.isEmpty()) {
                throw new DuckbridgeException(ErrorClass.NOT_FOUND, "table " + table + " does not exist in DuckDB");
            }
            check(table, layout, columns);
            if (!layout.sortColumns().isEmpty()) {
                TableName rewritten = new TableName(table.schema(), "__duckbridge_optimize_" + table.name());
                try (Statement st = session.statement()) {
                    st.execute("DROP TABLE IF EXISTS " + rewritten.quoted());
                    st.execute("CREATE TABLE " + rewritten.quoted() + " AS SELECT * FROM " + table.quoted()
                            + orderBy(layout));
                    st.execute("DROP TABLE " + table.quoted());
                    st.execute("ALTER TABLE " + rewritten.quoted() + " RENAME TO " + TableName.quote(table.name()));
                }
            }
            createIndexes(session, table, layout);
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table.quoted())) {
                rs.next();
                return rs.getLong(1);
            }
        });
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("table", table.key());
        result.put("rows", rows);
        result.put("sortColumns", layout.sortColumns());
        result.put("indexes", layout.indexColumns());
        result.put("millis", (System.nanoTime() - started) / 1_000_000);
        return result;
    }

    /** {@code " ORDER BY a, b"} for the layout's sort columns, or an empty string. */
    public static String orderBy(TableLayout layout) {
        if (layout.sortColumns().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" ORDER BY ");
        for (int i = 0; i < layout.sortColumns().size(); i++) {
            sb.append(i > 0 ? ", " : "")
                    .append(TableName.quote(layout.sortColumns().get(i)));
        }
        return sb.toString();
    }

    /**
     * Creates the layout's ART indexes on {@code table} (inside the caller's lane transaction). Indexes are
     * named {@code <table>_<column>_idx}; one left from an earlier layout of the same name is replaced.
     */
    public static void createIndexes(ReadSession session, TableName table, TableLayout layout) throws SQLException {
        try (Statement st = session.statement()) {
            for (String column : layout.indexColumns()) {
                String index = TableName.quote(indexName(table, column));
                st.execute("DROP INDEX IF EXISTS " + TableName.quote(table.schema()) + "." + index);
                st.execute("CREATE INDEX " + index + " ON " + table.quoted() + " (" + TableName.quote(column) + ")");
            }
        }
    }

    /** The name of the ART index on {@code column} of {@code table}. */
    public static String indexName(TableName table, String column) {
        return table.name() + "_" + column + "_idx";
    }

    /**
     * Fails with INVALID_REQUEST naming the table, the setting and the first layout column that is not in
     * {@code columns}.
     */
    public static void check(TableName table, TableLayout layout, List<String> columns) {
        check(table, layout.sortColumns(), "sort-columns", columns);
        check(table, layout.indexColumns(), "indexes", columns);
    }

    private static void check(TableName table, List<String> wanted, String key, List<String> columns) {
        for (String c : wanted) {
            if (!columns.contains(c)) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "duckbridge.sync.layouts[" + table + "]." + key + " names column \"" + c + "\", which " + table
                                + " does not have; its columns are " + columns);
            }
        }
    }

    private static List<String> columns(ReadSession session, TableName table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (var ps = session.connection()
                .prepareStatement("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?"
                        + " ORDER BY column_index")) {
            ps.setString(1, table.schema());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
