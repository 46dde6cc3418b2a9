package io.duckbridge.core.query;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.duckdb.DuckDBConnection;

/**
 * Builds the SQL of a {@link RowQuery}: the table and every column name must exist in DuckDB's catalog
 * (exact match first, then case-insensitive), are quoted with {@code "} doubled, and every value is a
 * bound parameter. Unknown names fail with BINDER naming them. Stateless and thread-safe.
 */
public final class RowQueryBuilder {
    private static final Map<String, String> OPERATORS = Map.ofEntries(
            Map.entry("=", "="),
            Map.entry("==", "="),
            Map.entry("!=", "<>"),
            Map.entry("<>", "<>"),
            Map.entry("<", "<"),
            Map.entry("<=", "<="),
            Map.entry(">", ">"),
            Map.entry(">=", ">="),
            Map.entry("like", "LIKE"),
            Map.entry("ilike", "ILIKE"),
            Map.entry("not like", "NOT LIKE"));

    /** Resolves names on {@code connection} and returns the request to run. */
    public QueryRequest build(DuckDBConnection connection, RowQuery query, Duration timeout) throws SQLException {
        String[] table = resolveTable(connection, query.table());
        Map<String, String> catalogColumns = columns(connection, table[0], table[1]);
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT ");
        if (query.columns().isEmpty()) {
            sql.append('*');
        } else {
            List<String> quoted = new ArrayList<>();
            for (String c : query.columns()) {
                quoted.add(quote(column(catalogColumns, c, query.table())));
            }
            sql.append(String.join(", ", quoted));
        }
        sql.append(" FROM ").append(quote(table[0])).append('.').append(quote(table[1]));
        List<String> conditions = new ArrayList<>();
        for (var filter : query.filters().entrySet()) {
            String column = quote(column(catalogColumns, filter.getKey(), query.table()));
            conditions.add(condition(column, filter.getKey(), filter.getValue(), params));
        }
        if (!conditions.isEmpty()) {
            sql.append(" WHERE ").append(String.join(" AND ", conditions));
        }
        if (!query.orderBy().isEmpty()) {
            List<String> orders = new ArrayList<>();
            for (String entry : query.orderBy()) {
                orders.add(order(catalogColumns, entry, query.table()));
            }
            sql.append(" ORDER BY ").append(String.join(", ", orders));
        }
        int limit = query.limit() == null ? RowQuery.DEFAULT_LIMIT : query.limit();
        // one row more than is sent: the runner stops at the limit and reports the result truncated when it
        // was (with LIMIT n itself, a cut result looked complete)
        sql.append(" LIMIT ").append((long) limit + 1);
        return new QueryRequest(sql.toString(), params, Map.of(), limit, timeout);
    }

    private static String condition(String column, String name, Object value, List<Object> params) {
        if (value == null) {
            return column + " IS NULL";
        }
        if (value instanceof List<?> list) {
            return in(column, name, list, params);
        }
        if (value instanceof Map<?, ?> map) {
            Object rawOp = map.get("op");
            if (!(rawOp instanceof String opText)) {
                throw invalid("the filter on " + name + " needs \"op\" (one of =, !=, <, <=, >, >=, in, between,"
                        + " like, ilike, is null, is not null)");
            }
            String op = opText.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
            Object operand = map.get("value");
            for (Object field : map.keySet()) {
                if (!"op".equals(field) && !"value".equals(field)) {
                    throw invalid("the filter on " + name + " has an unknown field \"" + field + "\"; a filter is"
                            + " {\"op\": \">=\", \"value\": v}");
                }
            }
            if ((op.equals("is null") || op.equals("is not null")) && operand != null) {
                // {"op": "is null", "value": false} would mean the opposite of what it says
                throw invalid("the \"" + op + "\" filter on " + name + " takes no value; use \"is null\" or \"is not"
                        + " null\" alone");
            }
            switch (op) {
                case "is null":
                    return column + " IS NULL";
                case "is not null":
                    return column + " IS NOT NULL";
                case "in":
                    if (!(operand instanceof List<?> list)) {
                        throw invalid("the \"in\" filter on " + name + " needs a list value");
                    }
                    return in(column, name, list, params);
                case "between":
                    if (!(operand instanceof List<?> range) || range.size() != 2) {
                        throw invalid("the \"between\" filter on " + name + " needs a two-element list value");
                    }
                    params.add(scalar(name, range.get(0)));
                    params.add(scalar(name, range.get(1)));
                    return column + " BETWEEN ? AND ?";
                default:
                    String sqlOp = OPERATORS.get(op);
                    if (sqlOp == null) {
                        throw invalid("\"" + opText + "\" is not a filter operator; use one of =, !=, <, <=, >, >=,"
                                + " in, between, like, ilike, is null, is not null");
                    }
                    if (operand == null) {
                        throw invalid("the filter on " + name + " with op " + opText + " needs a value");
                    }
                    params.add(scalar(name, operand));
                    return column + " " + sqlOp + " ?";
            }
        }
        params.add(scalar(name, value));
        return column + " = ?";
    }

    private static String in(String column, String name, List<?> values, List<Object> params) {
        if (values.isEmpty()) {
            return "FALSE";
        }
        List<String> marks = new ArrayList<>();
        for (Object v : values) {
            params.add(scalar(name, v));
            marks.add("?");
        }
        return column + " IN (" + String.join(", ", marks) + ")";
    }

    private static Object scalar(String name, Object value) {
        if (value instanceof List<?> || value instanceof Map<?, ?>) {
            throw invalid("the filter on " + name + " has a nested value; use a string, number, boolean or null");
        }
        return value;
    }

    private static String order(Map<String, String> catalogColumns, String entry, String table) {
        String trimmed = entry.strip();
        if (catalogColumns.containsKey(trimmed)) {
            return quote(trimmed) + " ASC";
        }
        int space = trimmed.lastIndexOf(' ');
        String direction = space < 0 ? "" : trimmed.substring(space + 1).toLowerCase(Locale.ROOT);
        if (direction.equals("asc") || direction.equals("desc")) {
            String name = trimmed.substring(0, space).strip();
            return quote(column(catalogColumns, name, table)) + " " + direction.toUpperCase(Locale.ROOT);
        }
        return quote(column(catalogColumns, trimmed, table)) + " ASC";
    }

    private static String column(Map<String, String> catalogColumns, String name, String table) {
        if (name == null) {
            throw new DuckbridgeException(ErrorClass.BINDER, "a column name is missing");
        }
        if (catalogColumns.containsKey(name)) {
            return name;
        }
        String match = null;
        for (String c : catalogColumns.keySet()) {
            if (c.equalsIgnoreCase(name)) {
                match = c;
            }
        }
        if (match == null) {
            throw new DuckbridgeException(
                    ErrorClass.BINDER,
                    "column \"" + name + "\" does not exist in " + table + "; it has " + catalogColumns.keySet());
        }
        return match;
    }

    private static String[] resolveTable(DuckDBConnection connection, String name) throws SQLException {
        List<String[]> candidates = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
                                + " UNION ALL SELECT schema_name, view_name FROM duckdb_views()"
                                + " WHERE database_name = current_database() AND NOT internal");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                candidates.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        // schema.table as everywhere in the API: a part with a dot is double-quoted
        List<String> parts = io.duckbridge.core.schema.TableName.parts(name);
        String schema = parts.size() == 1 ? null : parts.get(0);
        String table = parts.get(parts.size() - 1);
        for (boolean ignoreCase : new boolean[] {false, true}) {
            List<String[]> found = new ArrayList<>();
            for (String[] c : candidates) {
                boolean tableMatches = ignoreCase ? c[1].equalsIgnoreCase(table) : c[1].equals(table);
                boolean schemaMatches =
                        schema == null || (ignoreCase ? c[0].equalsIgnoreCase(schema) : c[0].equals(schema));
                if (tableMatches && schemaMatches) {
                    found.add(c);
                }
            }
            if (found.size() == 1) {
                return found.getFirst();
            }
            if (found.size() > 1) {
                for (String preferred : List.of("main", "public")) {
                    for (String[] c : found) {
                        if (c[0].equals(preferred)) {
                            return c;
                        }
                    }
                }
                throw new DuckbridgeException(
                        ErrorClass.BINDER, "table \"" + name + "\" is ambiguous; qualify it with its schema");
            }
        }
        throw new DuckbridgeException(ErrorClass.BINDER, "table \"" + name + "\" does not exist");
    }

    private static Map<String, String> columns(DuckDBConnection connection, String schema, String table)
            throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT column_name, data_type FROM duckdb_columns()"
                + " WHERE database_name = current_database() AND schema_name = ? AND table_name = ?"
                + " ORDER BY column_index")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return columns;
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static DuckbridgeException invalid(String message) {
        return new DuckbridgeException(ErrorClass.INVALID_REQUEST, message);
    }
}
