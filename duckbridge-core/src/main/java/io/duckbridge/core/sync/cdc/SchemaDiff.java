package io.duckbridge.core.sync.cdc;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares a table's known shape with the one a Relation message announces and finds the DuckDB DDL
 * that follows it: added columns (PostgreSQL appends them), dropped columns, renamed columns (same
 * position and type, new name) and widened types. Anything else needs a new snapshot of the table.
 * Thread-safe (stateless).
 */
final class SchemaDiff {
    private SchemaDiff() {}

    /**
     * @return the DDL statements (empty when DuckDB needs no change), or null when the change cannot be
     *     followed and the table must be copied again
     */
    static List<String> statements(SourceTable before, List<SourceTable.Column> after) {
        List<SourceTable.Column> old = before.columns();
        String target = before.quotedTarget();
        List<String> ddl = new ArrayList<>();
        if (after.size() > old.size()) {
            if (!alterInPlace(target, old, after.subList(0, old.size()), ddl)) {
                return null;
            }
            for (SourceTable.Column added : after.subList(old.size(), after.size())) {
                ddl.add("ALTER TABLE " + target + " ADD COLUMN " + SqlNames.quote(added.name()) + " "
                        + added.type().duckType());
            }
            return ddl;
        }
        if (after.size() < old.size()) {
            // dropped columns: what is left must keep its order, names and types
            int j = 0;
            List<String> dropped = new ArrayList<>();
            for (SourceTable.Column column : old) {
                if (j < after.size() && sameColumn(column, after.get(j))) {
                    j++;
                } else {
                    dropped.add(column.name());
                }
            }
            if (j != after.size()) {
                return null;
            }
            for (String name : dropped) {
                ddl.add("ALTER TABLE " + target + " DROP COLUMN " + SqlNames.quote(name));
            }
            return ddl;
        }
        return alterInPlace(target, old, after, ddl) ? ddl : null;
    }

    /** Renames and widenings between columns at the same positions. */
    private static boolean alterInPlace(
            String target, List<SourceTable.Column> old, List<SourceTable.Column> now, List<String> ddl) {
        List<String> renames = new ArrayList<>();
        List<String> retypes = new ArrayList<>();
        for (int i = 0; i < old.size(); i++) {
            SourceTable.Column a = old.get(i);
            SourceTable.Column b = now.get(i);
            boolean sameType = a.typeOid() == b.typeOid() && a.typeModifier() == b.typeModifier();
            if (!a.name().equals(b.name())) {
                if (!sameType) {
                    return false; // a rename and a type change at once looks like drop + add: copy again
                }
                renames.add("ALTER TABLE " + target + " RENAME COLUMN " + SqlNames.quote(a.name()) + " TO "
                        + SqlNames.quote(b.name()));
            } else if (!sameType) {
                ColumnType from = a.type();
                ColumnType to = b.type();
                if (!from.widensTo(to)) {
                    return false;
                }
                if (!from.duckType().equals(to.duckType())) {
                    retypes.add("ALTER TABLE " + target + " ALTER COLUMN " + SqlNames.quote(b.name())
                            + " SET DATA TYPE " + to.duckType());
                }
            }
        }
        ddl.addAll(renames);
        ddl.addAll(retypes);
        return true;
    }

    private static boolean sameColumn(SourceTable.Column a, SourceTable.Column b) {
        return a.name().equals(b.name()) && a.typeOid() == b.typeOid() && a.typeModifier() == b.typeModifier();
    }
}
