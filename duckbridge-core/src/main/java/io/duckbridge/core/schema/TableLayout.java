package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.List;

/**
 * The physical layout of one synced table in DuckDB. Immutable.
 *
 * <p>Rows stored in {@code sortColumns} order keep each row group's min/max (zone map) narrow, so a selective
 * range filter on the leading sort column skips most row groups. Full snapshots write the live table in this
 * order; {@code TableOptimizer} restores it after incremental or CDC changes have appended rows out of order.
 * {@code indexColumns} get one ART index each, for point lookups (DuckDB uses an ART index for equality and
 * small IN filters on its column).
 *
 * @param sortColumns column names, leading column first; empty for load order
 * @param indexColumns columns that get an ART index; empty for none
 */
public record TableLayout(List<String> sortColumns, List<String> indexColumns) {
    /** No sorting, no indexes. */
    public static final TableLayout NONE = new TableLayout(List.of(), List.of());

    public TableLayout {
        sortColumns = sortColumns == null ? List.of() : List.copyOf(sortColumns);
        indexColumns = indexColumns == null ? List.of() : List.copyOf(indexColumns);
        for (String c : sortColumns) {
            requireName(c, "sort-columns");
        }
        for (String c : indexColumns) {
            requireName(c, "indexes");
        }
    }

    /** Whether this layout changes anything. */
    public boolean isDefault() {
        return sortColumns.isEmpty() && indexColumns.isEmpty();
    }

    private static void requireName(String column, String key) {
        if (column == null || column.isBlank()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.sync.layouts.*." + key + " contains an empty column name; list column names"
                            + " separated by commas, e.g. created_at,id");
        }
    }
}
