package io.duckbridge.core.sync.cdc;

import java.util.Map;
import java.util.Set;

/**
 * How a PostgreSQL column is stored in DuckDB and how its text form (pgoutput 't' values and {@code COPY
 * ... CSV} fields, both PostgreSQL's output functions) becomes a DuckDB value. Types without a DuckDB
 * counterpart (arrays, ranges, enums, geometry) are kept as their PostgreSQL text. Thread-safe (immutable).
 *
 * @param duckType the DuckDB column type
 */
record ColumnType(String duckType) {
    private static final Map<Integer, String> BY_OID = Map.ofEntries(
            Map.entry(16, "BOOLEAN"),
            Map.entry(20, "BIGINT"),
            Map.entry(21, "SMALLINT"),
            Map.entry(23, "INTEGER"),
            Map.entry(26, "BIGINT"),
            Map.entry(700, "REAL"),
            Map.entry(701, "DOUBLE"),
            Map.entry(25, "VARCHAR"),
            Map.entry(1043, "VARCHAR"),
            Map.entry(1042, "VARCHAR"),
            Map.entry(19, "VARCHAR"),
            Map.entry(18, "VARCHAR"),
            Map.entry(1082, "DATE"),
            Map.entry(1114, "TIMESTAMP"),
            Map.entry(1184, "TIMESTAMPTZ"),
            Map.entry(1083, "TIME"),
            Map.entry(1266, "TIMETZ"),
            Map.entry(1186, "INTERVAL"),
            Map.entry(2950, "UUID"),
            Map.entry(114, "JSON"),
            Map.entry(3802, "JSON"),
            Map.entry(17, "BLOB"));

    /** DuckDB type changes that keep every value: what PostgreSQL's type widening becomes here. */
    private static final Set<String> WIDENINGS = Set.of(
            "SMALLINT>INTEGER",
            "SMALLINT>BIGINT",
            "INTEGER>BIGINT",
            "REAL>DOUBLE",
            "SMALLINT>DOUBLE",
            "INTEGER>DOUBLE",
            "DATE>TIMESTAMP",
            "TIMESTAMP>TIMESTAMPTZ");

    /** The DuckDB type for a PostgreSQL type OID and modifier ({@code atttypmod}, -1 for none). */
    static ColumnType of(int typeOid, int typeModifier) {
        if (typeOid == 1700) {
            if (typeModifier >= 4) {
                int precision = ((typeModifier - 4) >> 16) & 0xFFFF;
                int scale = (typeModifier - 4) & 0xFFFF;
                if (precision <= 38 && scale <= precision) {
                    return new ColumnType("DECIMAL(" + precision + "," + scale + ")");
                }
            }
            return new ColumnType("DOUBLE"); // unconstrained or wider than DuckDB's DECIMAL(38)
        }
        return new ColumnType(BY_OID.getOrDefault(typeOid, "VARCHAR"));
    }

    /** A DuckDB expression turning the VARCHAR expression {@code text} into this type. */
    String fromText(String text) {
        return switch (duckType) {
            case "VARCHAR" -> text;
            case "BLOB" -> "from_hex(substr(" + text + ", 3))"; // bytea_output = hex: "\x0102"
            default -> "CAST(" + text + " AS " + duckType + ")";
        };
    }

    /** Whether changing a column from {@code this} to {@code wider} keeps every value. */
    boolean widensTo(ColumnType wider) {
        if (duckType.equals(wider.duckType)) {
            return true;
        }
        if (duckType.startsWith("DECIMAL(") && wider.duckType.startsWith("DECIMAL(")) {
            int[] from = decimal(duckType);
            int[] to = decimal(wider.duckType);
            return to[1] >= from[1] && to[0] - to[1] >= from[0] - from[1];
        }
        if (duckType.startsWith("DECIMAL(") && wider.duckType.equals("DOUBLE")) {
            return true;
        }
        return WIDENINGS.contains(duckType + ">" + wider.duckType);
    }

    private static int[] decimal(String type) {
        String[] parts = type.substring(8, type.length() - 1).split(",");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }
}
