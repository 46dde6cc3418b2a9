package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;

/**
 * A table's schema-qualified name, as spelled in PostgreSQL. The same name is used in DuckDB (a DuckDB
 * schema named like the PostgreSQL one). Names keep capitals, spaces and reserved words; {@link #quoted()}
 * gives the SQL form for both databases. Immutable.
 *
 * @param schema the schema, never blank
 * @param name the table, never blank
 */
public record TableName(String schema, String name) implements Comparable<TableName> {
    public TableName {
        if (schema == null || schema.isEmpty() || name == null || name.isEmpty()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "table name \"" + schema + "." + name + "\" is incomplete; use schema.table, e.g. public.orders");
        }
        if (schema.indexOf('\0') >= 0 || name.indexOf('\0') >= 0) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "table names may not contain NUL characters");
        }
    }

    /**
     * Parses {@code schema.table}; an unqualified name means {@code public}. A part may be double-quoted
     * to contain dots ({@code "my.schema"."My Table"}); quotes inside quoted parts are doubled.
     *
     * @throws DuckbridgeException INVALID_REQUEST when the text is not a table name
     */
    public static TableName parse(String text) {
        java.util.List<String> parts = parts(text);
        return parts.size() == 1 ? new TableName("public", parts.get(0)) : new TableName(parts.get(0), parts.get(1));
    }

    /**
     * The one or two parts of {@code table} or {@code schema.table}, read as {@link #parse} reads them (double
     * quotes protect dots, doubled quotes inside them), without deciding what an unqualified name means: the
     * lake's exports and imports look it up on DuckDB's search path.
     *
     * @throws DuckbridgeException INVALID_REQUEST when the text is not a table name
     */
    public static java.util.List<String> parts(String text) {
        if (text == null || text.isBlank()) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "a table name is required, e.g. public.orders");
        }
        var parts = new java.util.ArrayList<String>();
        var current = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        current.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    current.append(ch);
                }
            } else if (ch == '"' && current.isEmpty()) {
                quoted = true;
                wasQuoted = true;
            } else if (ch == '.') {
                parts.add(current.toString());
                current.setLength(0);
                wasQuoted = false;
            } else {
                current.append(ch);
            }
        }
        if (quoted) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "table name " + text + " has an unclosed quote");
        }
        parts.add(wasQuoted ? current.toString() : current.toString().strip());
        if (parts.size() > 2) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "table name " + text + " has " + parts.size()
                            + " parts; use schema.table (quote parts that contain dots)");
        }
        return java.util.List.copyOf(parts);
    }

    /** Quotes one identifier for PostgreSQL and DuckDB (double quotes, inner quotes doubled). */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /**
     * Whether {@code schema}.{@code table} names one of Duckbridge's own DuckDB objects: its state schema
     * {@code duckbridge}, its staging schema {@code duckbridge_staging}, or a job's staging table
     * {@code __duckbridge_*}. Compared as DuckDB compares names (ASCII letters without case). Nothing may
     * be synced or imported into them.
     */
    public static boolean isDuckbridgeOwn(String schema, String table) {
        return schema.equalsIgnoreCase("duckbridge")
                || schema.equalsIgnoreCase("duckbridge_staging")
                || table.regionMatches(true, 0, "__duckbridge_", 0, "__duckbridge_".length());
    }

    /** What {@link #isDuckbridgeOwn} covers, for messages. */
    public static final String DUCKBRIDGE_OWN =
            "the schemas duckbridge and duckbridge_staging, tables named __duckbridge_*";

    /** {@code "schema"."name"}. */
    public String quoted() {
        return quote(schema) + "." + quote(name);
    }

    /**
     * The name as text that {@link #parse} reads back to this name: {@link #toString()} when no part holds a
     * dot, a double quote or surrounding spaces, {@link #quoted()} otherwise. For keys stored as text.
     */
    public String key() {
        return plain(schema) && plain(name) ? toString() : quoted();
    }

    private static boolean plain(String part) {
        return part.indexOf('.') < 0 && part.indexOf('"') < 0 && part.strip().equals(part);
    }

    /** {@code schema.name} unquoted, as used in configuration globs and the HTTP API. */
    @Override
    public String toString() {
        return schema + "." + name;
    }

    @Override
    public int compareTo(TableName o) {
        int c = schema.compareTo(o.schema);
        return c != 0 ? c : name.compareTo(o.name);
    }
}
