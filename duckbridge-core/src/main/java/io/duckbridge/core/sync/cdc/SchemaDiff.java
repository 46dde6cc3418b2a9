package io.duckbridge.core.sync.cdc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares a table's known shape with the one a Relation message announces and finds the DuckDB DDL
 * that follows it. Columns are matched by PostgreSQL's column number ({@code attnum}, looked up in the
 * catalog when the Relation message arrives), so a rename is told apart from a drop plus an add: same
 * number and new name is a rename, a number that disappeared a drop, a new number an added column, same
 * number and a new type a type change — followed only when DuckDB's type widens. Anything else (or an
 * added column with a default, whose value for old rows never appears in the WAL) needs a new copy of
 * the table. Thread-safe (stateless).
 */
final class SchemaDiff {
    private SchemaDiff() {}

    /**
     * @param after the new columns with their {@code attnum}s
     * @param addedWithDefault names of new columns whose old rows have a default value
     * @return the DDL statements (empty when DuckDB needs no change), or null when the table must be copied again
     */
    static List<String> statements(
            SourceTable before,
            List<SourceTable.Column> after,
            java.util.Set<String> addedWithDefault,
            io.duckbridge.core.schema.TypeMapping types) {
        String target = before.quotedTarget();
        Map<Integer, SourceTable.Column> byNumber = new HashMap<>();
        for (SourceTable.Column c : after) {
            if (c.attnum() <= 0) {
                return null;
            }
            byNumber.put(c.attnum(), c);
        }
        List<String> drops = new ArrayList<>();
        List<String> renames = new ArrayList<>();
        List<String> retypes = new ArrayList<>();
        int lastKept = 0;
        for (SourceTable.Column old : before.columns()) {
            if (old.attnum() <= 0) {
                return null;
            }
            SourceTable.Column now = byNumber.remove(old.attnum());
            if (now == null) {
                drops.add("ALTER TABLE " + target + " DROP COLUMN " + SqlNames.quote(old.name()));
                continue;
            }
            lastKept = Math.max(lastKept, old.attnum());
            if (!old.name().equals(now.name())) {
                renames.add("ALTER TABLE " + target + " RENAME COLUMN " + SqlNames.quote(old.name()) + " TO "
                        + SqlNames.quote(now.name()));
            }
            if (old.typeOid() != now.typeOid() || old.typeModifier() != now.typeModifier()) {
                String from = old.mapping(before.tableName(), types).duckDbType();
                String to = now.mapping(before.tableName(), types).duckDbType();
                if (!widens(from, to)) {
                    return null;
                }
                if (!from.equals(to)) {
                    retypes.add("ALTER TABLE " + target + " ALTER COLUMN " + SqlNames.quote(now.name())
                            + " SET DATA TYPE " + to);
                }
            }
        }
        List<String> adds = new ArrayList<>();
        for (SourceTable.Column c : after) {
            if (!byNumber.containsKey(c.attnum())) {
                continue;
            }
            if (c.attnum() < lastKept || addedWithDefault.contains(c.name())) {
                return null; // not appended at the end, or old rows got a value the WAL never showed
            }
            adds.add("ALTER TABLE " + target + " ADD COLUMN " + SqlNames.quote(c.name()) + " "
                    + c.mapping(before.tableName(), types).duckDbType());
        }
        List<String> ddl = new ArrayList<>(drops);
        ddl.addAll(renames);
        ddl.addAll(retypes);
        ddl.addAll(adds);
        return ddl;
    }

    /** DuckDB type changes that keep every value: what PostgreSQL's type widening becomes here. */
    private static final java.util.Set<String> WIDENINGS = java.util.Set.of(
            "SMALLINT>INTEGER",
            "SMALLINT>BIGINT",
            "INTEGER>BIGINT",
            "FLOAT>DOUBLE",
            "SMALLINT>DOUBLE",
            "INTEGER>DOUBLE",
            "DATE>TIMESTAMP",
            "TIMESTAMP>TIMESTAMPTZ");

    /** Whether changing a DuckDB column from type {@code from} to {@code to} keeps every value. */
    static boolean widens(String from, String to) {
        if (from.equals(to)) {
            return true;
        }
        if (from.startsWith("DECIMAL(") && to.startsWith("DECIMAL(")) {
            int[] a = decimal(from);
            int[] b = decimal(to);
            return b[1] >= a[1] && b[0] - b[1] >= a[0] - a[1];
        }
        if (from.startsWith("DECIMAL(") && to.equals("DOUBLE")) {
            return true;
        }
        return WIDENINGS.contains(from + ">" + to);
    }

    private static int[] decimal(String type) {
        String[] parts = type.substring(8, type.length() - 1).split(",");
        return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
    }
}
