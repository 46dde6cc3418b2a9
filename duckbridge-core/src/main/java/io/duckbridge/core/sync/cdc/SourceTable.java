package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.PgType;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TypeMapping;
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
     * @param dimensions the declared array dimensions ({@code attndims}), 0 when not declared
     * @param pgType the type resolved from the catalog (domains to their base type, enum labels, composite
     *     fields); for built-in types it can also be derived from the OID alone
     */
    record Column(String name, int typeOid, int typeModifier, int attnum, int dimensions, PgType pgType) {
        Column {
            Objects.requireNonNull(pgType, "pgType");
        }

        /** A column of a built-in type, typed from its OID without the catalog. */
        Column(String name, int typeOid, int typeModifier, int attnum) {
            this(name, typeOid, typeModifier, attnum, 0, BuiltinTypes.of(typeOid, typeModifier));
        }

        Column(String name, int typeOid, int typeModifier) {
            this(name, typeOid, typeModifier, 0);
        }

        Column withAttnum(int number, int declaredDimensions) {
            return new Column(name, typeOid, typeModifier, number, declaredDimensions, pgType);
        }

        /** The same column typed as the catalog says. */
        Column withType(PgType type) {
            return new Column(name, typeOid, typeModifier, attnum, dimensions, type);
        }

        /** Whether {@code other} has the same name and PostgreSQL type. */
        boolean sameNameAndType(Column other) {
            return name.equals(other.name) && typeOid == other.typeOid && typeModifier == other.typeModifier;
        }

        /** How the sync feature's type mapping stores this column in DuckDB. */
        ColumnMapping mapping(TableName table, TypeMapping types) {
            return types.map(table, new io.duckbridge.core.schema.SourceColumn(name, pgType.formatted(), pgType, true));
        }
    }

    /** The sync feature's name of the table. */
    TableName tableName() {
        return new TableName(schema, name);
    }

    /** The mappings of every column, in order. */
    List<ColumnMapping> mappings(TypeMapping types) {
        List<ColumnMapping> out = new ArrayList<>(columns.size());
        for (Column c : columns) {
            out.add(c.mapping(tableName(), types));
        }
        return out;
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

    /**
     * Columns as stored in {@code duckbridge.cdc_tables}: {@code name:oid:typmod:attnum:dims} joined by a
     * tab. Types are resolved again from the catalog by OID when read back.
     */
    String encodeColumns() {
        List<String> parts = new ArrayList<>();
        for (Column c : columns) {
            parts.add(c.name().replace("\t", " ") + ":" + c.typeOid() + ":" + c.typeModifier() + ":" + c.attnum() + ":"
                    + c.dimensions());
        }
        return String.join("\t", parts);
    }

    /** Reads {@link #encodeColumns()} back; types are derived from the OIDs of built-in types only. */
    static List<Column> decodeColumns(String encoded) {
        List<Column> columns = new ArrayList<>();
        if (encoded == null || encoded.isEmpty()) {
            return columns;
        }
        for (String part : encoded.split("\t")) {
            int fourth = part.lastIndexOf(':');
            int third = part.lastIndexOf(':', fourth - 1);
            int second = part.lastIndexOf(':', third - 1);
            int first = part.lastIndexOf(':', second - 1);
            int oid = Integer.parseInt(part.substring(first + 1, second));
            int typmod = Integer.parseInt(part.substring(second + 1, third));
            columns.add(new Column(
                    part.substring(0, first),
                    oid,
                    typmod,
                    Integer.parseInt(part.substring(third + 1, fourth)),
                    Integer.parseInt(part.substring(fourth + 1)),
                    BuiltinTypes.of(oid, typmod)));
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
