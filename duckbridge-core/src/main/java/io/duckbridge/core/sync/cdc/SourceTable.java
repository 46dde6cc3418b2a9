package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A published PostgreSQL table as Duckbridge currently knows it: its columns in PostgreSQL's order (the
 * order of pgoutput tuples), the columns that identify a row, and the DuckDB table it is copied to.
 * Thread-safe (immutable).
 *
 * @param keyColumns indexes into {@code columns} of the row identity (primary key or replica identity
 *     index); empty when rows are identified by all their values (REPLICA IDENTITY FULL without a key)
 */
record SourceTable(String schema, String name, List<Column> columns, List<Integer> keyColumns) {
    SourceTable {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
        keyColumns = List.copyOf(keyColumns);
    }

    /**
     * One column.
     *
     * @param typeModifier {@code atttypmod}, -1 when the type has none
     * @param attnum PostgreSQL's column number, stable across renames; 0 when unknown
     */
    record Column(String name, int typeOid, int typeModifier, int attnum) {
        Column(String name, int typeOid, int typeModifier) {
            this(name, typeOid, typeModifier, 0);
        }

        ColumnType type() {
            return ColumnType.of(typeOid, typeModifier);
        }
    }

    /** Parses {@code schema.table} (or {@code table}, meaning {@code public}); quotes are not needed. */
    static String[] parseName(String qualified) {
        if (qualified == null || qualified.isBlank()) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "a table name is empty; use schema.table");
        }
        int dot = qualified.indexOf('.');
        return dot < 0
                ? new String[] {"public", qualified}
                : new String[] {qualified.substring(0, dot), qualified.substring(dot + 1)};
    }

    /** {@code schema.table} as PostgreSQL names it, unquoted. */
    String qualifiedName() {
        return schema + "." + name;
    }

    /** The PostgreSQL name, quoted for SQL. */
    String quotedSource() {
        return SqlNames.quote(schema, name);
    }

    /** The DuckDB schema: named like the PostgreSQL one, as the sync feature names it. */
    String targetSchema() {
        return schema;
    }

    /** The DuckDB table, quoted for SQL. */
    String quotedTarget() {
        return SqlNames.quote(targetSchema(), name);
    }

    boolean hasKey() {
        return !keyColumns.isEmpty();
    }

    SourceTable withColumns(List<Column> newColumns, List<Integer> newKey) {
        return new SourceTable(schema, name, newColumns, newKey);
    }

    /** Columns as stored in {@code duckbridge.cdc_tables}: {@code name:oid:typmod} joined by a tab. */
    String encodeColumns() {
        List<String> parts = new ArrayList<>();
        for (Column c : columns) {
            parts.add(c.name().replace("\t", " ") + ":" + c.typeOid() + ":" + c.typeModifier() + ":" + c.attnum());
        }
        return String.join("\t", parts);
    }

    static List<Column> decodeColumns(String encoded) {
        List<Column> columns = new ArrayList<>();
        if (encoded == null || encoded.isEmpty()) {
            return columns;
        }
        for (String part : encoded.split("\t")) {
            int third = part.lastIndexOf(':');
            int second = part.lastIndexOf(':', third - 1);
            int first = part.lastIndexOf(':', second - 1);
            columns.add(new Column(
                    part.substring(0, first),
                    Integer.parseInt(part.substring(first + 1, second)),
                    Integer.parseInt(part.substring(second + 1, third)),
                    Integer.parseInt(part.substring(third + 1))));
        }
        return columns;
    }

    String encodeKey() {
        return String.join(",", keyColumns.stream().map(String::valueOf).toList());
    }

    static List<Integer> decodeKey(String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return List.of();
        }
        List<Integer> key = new ArrayList<>();
        for (String s : encoded.split(",")) {
            key.add(Integer.parseInt(s));
        }
        return key;
    }
}
