package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.ReadSession;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBAppender;

/**
 * Applies received PostgreSQL transactions to DuckDB inside one writer-lane transaction, in commit order,
 * and stores the applied position in the same transaction — so after a crash DuckDB holds either all of a
 * batch and its position or none of it.
 *
 * <p>Row changes between two schema changes or truncates are applied set-based per table: the net
 * effect per row key is computed in memory, appended to a staging table, and reaches the live table
 * through one {@code DELETE ... USING} and one {@code INSERT ... SELECT}. Unchanged TOASTed values are
 * taken from the previous version of the row (earlier in the batch, or the row in DuckDB). Tables without
 * a key (REPLICA IDENTITY FULL) are applied row by row.
 *
 * <p>Confined to the writer lane.
 */
final class ChangeApplier {
    private static final String STAGE = "cdc_stage";
    private static final String RESOLVED = "cdc_resolved";

    private ChangeApplier() {}

    /** What one apply did, per table. */
    record Outcome(Map<String, Long> changesPerTable, long changes) {}

    static Outcome apply(ReadSession session, String slot, List<PendingTransaction> batch) throws SQLException {
        Map<String, Long> perTable = new HashMap<>();
        List<Change.Row> segment = new ArrayList<>();
        long total = 0;
        for (PendingTransaction tx : batch) {
            for (Change change : tx.changes) {
                if (change instanceof Change.Row row) {
                    segment.add(row);
                    perTable.merge(row.table().qualifiedName(), 1L, Long::sum);
                    total++;
                    continue;
                }
                applySegment(session, segment);
                segment.clear();
                switch (change) {
                    case Change.Truncate t -> {
                        try (Statement st = session.statement()) {
                            st.execute("DELETE FROM " + t.table().quotedTarget());
                        }
                        perTable.merge(t.table().qualifiedName(), 1L, Long::sum);
                    }
                    case Change.Schema s -> {
                        try (Statement st = session.statement()) {
                            for (String ddl : s.statements()) {
                                st.execute(ddl);
                            }
                        }
                        CdcStateStore.saveTable(session, slot, s.table(), "streaming", null);
                    }
                    case Change.Resync r -> CdcStateStore.saveTable(session, slot, r.table(), "resync", null);
                    case Change.Row ignored -> throw new IllegalStateException("handled above");
                }
            }
        }
        applySegment(session, segment);
        PendingTransaction last = batch.getLast();
        CdcStateStore.savePosition(session, slot, last.commitLsn, last.endLsn, last.commitTime);
        return new Outcome(perTable, total);
    }

    private static void applySegment(ReadSession session, List<Change.Row> segment) throws SQLException {
        if (segment.isEmpty()) {
            return;
        }
        Map<String, List<Change.Row>> byTable = new LinkedHashMap<>();
        for (Change.Row row : segment) {
            byTable.computeIfAbsent(row.table().qualifiedName(), k -> new ArrayList<>())
                    .add(row);
        }
        for (List<Change.Row> rows : byTable.values()) {
            SourceTable table = rows.getLast().table();
            if (table.hasKey()) {
                applyKeyed(session, table, rows);
            } else {
                applyRowByRow(session, table, rows);
            }
        }
    }

    // ---- tables with a key: net effect per key, set-based ----------------------------------------

    /** The last version of a key in the batch: deleted, or a row whose 'u' columns come from {@code origin}. */
    private record Version(boolean deleted, String[] values, boolean[] unchanged, List<String> origin) {
        static final Version DELETED = new Version(true, null, null, null);
    }

    private static void applyKeyed(ReadSession session, SourceTable table, List<Change.Row> rows) throws SQLException {
        int columns = table.columns().size();
        Map<List<String>, Version> versions = new LinkedHashMap<>();
        // keys whose row may be in DuckDB already: the first change to them in this segment was not an
        // insert (a key first inserted here cannot exist before, as DuckDB equals PostgreSQL at the start)
        java.util.Set<List<String>> mustDelete = new java.util.HashSet<>();
        for (Change.Row row : rows) {
            switch (row.op()) {
                case 'I' -> versions.put(key(table, row.newTuple()), version(row.newTuple(), null, null));
                case 'D' -> {
                    List<String> oldKey = key(table, row.oldTuple());
                    if (!versions.containsKey(oldKey)) {
                        mustDelete.add(oldKey);
                    }
                    versions.put(oldKey, Version.DELETED);
                }
                case 'U' -> {
                    List<String> newKey = key(table, row.newTuple());
                    List<String> oldKey = row.oldTuple() == null ? newKey : key(table, row.oldTuple());
                    Version previous = versions.get(oldKey);
                    if (previous == null) {
                        mustDelete.add(oldKey);
                    }
                    TupleData fullOld = row.oldKind() == 'O' ? row.oldTuple() : null;
                    Version next = version(row.newTuple(), fullOld, oldKey);
                    if (next.unchanged() != null && previous != null && !previous.deleted()) {
                        next = inherit(next, previous, columns);
                    }
                    if (!oldKey.equals(newKey)) {
                        versions.put(oldKey, Version.DELETED);
                    }
                    versions.remove(newKey); // keep the map in the order of last change
                    versions.put(newKey, next);
                }
                default -> throw new IllegalStateException("unknown row operation " + row.op());
            }
        }
        boolean anyUnchanged = false;
        boolean anyUpsert = false;
        for (Version v : versions.values()) {
            anyUnchanged |= v.unchanged() != null;
            anyUpsert |= !v.deleted();
        }
        List<Integer> key = table.keyColumns();
        createStage(session, table, key.size(), columns);
        try (DuckDBAppender appender = session.connection().createAppender("temp", "main", STAGE)) {
            for (Map.Entry<List<String>, Version> e : versions.entrySet()) {
                Version v = e.getValue();
                appender.beginRow();
                appender.append(v.deleted() ? "D" : "U");
                appendText(appender, mustDelete.contains(e.getKey()) ? "1" : null);
                appendText(appender, v.unchanged() == null ? null : flags(v.unchanged()));
                for (String k : e.getKey()) {
                    appendText(appender, k);
                }
                for (int i = 0; i < key.size(); i++) {
                    appendText(
                            appender, v.unchanged() == null ? null : v.origin().get(i));
                }
                for (int i = 0; i < columns; i++) {
                    appendText(appender, v.deleted() ? null : v.values()[i]);
                }
                appender.endRow();
            }
        }
        String target = table.quotedTarget();
        try (Statement st = session.statement()) {
            if (anyUnchanged) {
                StringBuilder select = new StringBuilder("CREATE OR REPLACE TEMP TABLE " + RESOLVED + " AS SELECT ");
                for (int i = 0; i < columns; i++) {
                    SourceTable.Column c = table.columns().get(i);
                    select.append(i == 0 ? "" : ", ")
                            .append("CASE WHEN substr(s.__u, ")
                            .append(i + 1)
                            .append(", 1) = '1' THEN t.")
                            .append(SqlNames.quote(c.name()))
                            .append(" ELSE ")
                            .append(c.type().fromText("s.c" + i))
                            .append(" END AS ")
                            .append(SqlNames.quote(c.name()));
                }
                select.append(" FROM " + STAGE + " s LEFT JOIN ")
                        .append(target)
                        .append(" t ON ")
                        .append(keyMatch(table, "t", "s.__o"))
                        .append(" WHERE s.__op = 'U'");
                st.execute(select.toString());
            }
            if (!mustDelete.isEmpty()) {
                st.execute("DELETE FROM " + target + " USING " + STAGE + " s WHERE s.__del = '1' AND "
                        + keyMatch(table, target, "s.__k") + keyRange(table, target, mustDelete));
            }
            if (anyUpsert) {
                StringBuilder insert = new StringBuilder("INSERT INTO " + target + " (");
                StringBuilder values = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    SourceTable.Column c = table.columns().get(i);
                    insert.append(i == 0 ? "" : ", ").append(SqlNames.quote(c.name()));
                    values.append(i == 0 ? "" : ", ")
                            .append(
                                    anyUnchanged
                                            ? SqlNames.quote(c.name())
                                            : c.type().fromText("c" + i));
                }
                insert.append(") SELECT ").append(values);
                insert.append(anyUnchanged ? " FROM " + RESOLVED : " FROM " + STAGE + " WHERE __op = 'U'");
                st.execute(insert.toString());
            }
        }
    }

    private static Version version(TupleData tuple, TupleData fullOld, List<String> origin) {
        int n = tuple.size();
        String[] values = new String[n];
        boolean[] unchanged = null;
        for (int i = 0; i < n; i++) {
            TupleData.Value v = tuple.get(i);
            if (v.isUnchangedToast()) {
                if (fullOld != null && !fullOld.get(i).isUnchangedToast()) {
                    values[i] = fullOld.get(i).text();
                    continue;
                }
                if (unchanged == null) {
                    unchanged = new boolean[n];
                }
                unchanged[i] = true;
            } else {
                values[i] = v.text();
            }
        }
        return new Version(false, values, unchanged, unchanged == null ? null : origin);
    }

    /** Fills 'u' columns of {@code next} from the version before it in this batch. */
    private static Version inherit(Version next, Version previous, int columns) {
        String[] values = next.values().clone();
        boolean[] unchanged = new boolean[columns];
        boolean any = false;
        for (int i = 0; i < columns; i++) {
            if (next.unchanged()[i]) {
                values[i] = previous.values()[i];
                unchanged[i] = previous.unchanged() != null && previous.unchanged()[i];
                any |= unchanged[i];
            }
        }
        return new Version(false, values, any ? unchanged : null, any ? previous.origin() : null);
    }

    private static List<String> key(SourceTable table, TupleData tuple) {
        String[] key = new String[table.keyColumns().size()];
        for (int i = 0; i < key.length; i++) {
            key[i] = tuple.get(table.keyColumns().get(i)).text();
        }
        return Arrays.asList(key);
    }

    private static String flags(boolean[] unchanged) {
        StringBuilder s = new StringBuilder(unchanged.length);
        for (boolean b : unchanged) {
            s.append(b ? '1' : '0');
        }
        return s.toString();
    }

    private static void createStage(ReadSession session, SourceTable table, int keys, int columns) throws SQLException {
        StringBuilder ddl = new StringBuilder(
                "CREATE OR REPLACE TEMP TABLE " + STAGE + " (__op VARCHAR, __del VARCHAR, __u VARCHAR");
        for (int i = 0; i < keys; i++) {
            ddl.append(", __k").append(i).append(" VARCHAR");
        }
        for (int i = 0; i < keys; i++) {
            ddl.append(", __o").append(i).append(" VARCHAR");
        }
        for (int i = 0; i < columns; i++) {
            ddl.append(", c").append(i).append(" VARCHAR");
        }
        try (Statement st = session.statement()) {
            st.execute(ddl.append(")").toString());
        }
    }

    /**
     * For a single integer key, a constant range around the keys to delete, so DuckDB's zone maps skip
     * row groups that cannot hold them instead of scanning the whole table for the join.
     */
    private static String keyRange(SourceTable table, String alias, java.util.Set<List<String>> keys) {
        if (table.keyColumns().size() != 1) {
            return "";
        }
        SourceTable.Column c = table.columns().get(table.keyColumns().getFirst());
        String type = c.type().duckType();
        if (!type.equals("BIGINT") && !type.equals("INTEGER") && !type.equals("SMALLINT")) {
            return "";
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (List<String> key : keys) {
            try {
                long v = Long.parseLong(key.getFirst());
                min = Math.min(min, v);
                max = Math.max(max, v);
            } catch (NumberFormatException e) {
                return "";
            }
        }
        String column = alias + "." + SqlNames.quote(c.name());
        return " AND " + column + " BETWEEN " + min + " AND " + max;
    }

    private static String keyMatch(SourceTable table, String alias, String stagePrefix) {
        StringBuilder match = new StringBuilder();
        List<Integer> key = table.keyColumns();
        for (int i = 0; i < key.size(); i++) {
            SourceTable.Column c = table.columns().get(key.get(i));
            match.append(i == 0 ? "" : " AND ")
                    .append(alias)
                    .append('.')
                    .append(SqlNames.quote(c.name()))
                    .append(" = ")
                    .append(c.type().fromText(stagePrefix + i));
        }
        return match.toString();
    }

    private static void appendText(DuckDBAppender appender, String value) throws SQLException {
        if (value == null) {
            appender.appendNull();
        } else {
            appender.append(value);
        }
    }

    // ---- tables identified by all their values: row by row ----------------------------------------

    private static void applyRowByRow(ReadSession session, SourceTable table, List<Change.Row> rows)
            throws SQLException {
        int columns = table.columns().size();
        String target = table.quotedTarget();
        StringBuilder names = new StringBuilder();
        StringBuilder params = new StringBuilder();
        StringBuilder match = new StringBuilder();
        for (int i = 0; i < columns; i++) {
            SourceTable.Column c = table.columns().get(i);
            names.append(i == 0 ? "" : ", ").append(SqlNames.quote(c.name()));
            params.append(i == 0 ? "" : ", ").append(c.type().fromText("CAST(? AS VARCHAR)"));
            match.append(i == 0 ? "" : " AND ")
                    .append(SqlNames.quote(c.name()))
                    .append(" IS NOT DISTINCT FROM ")
                    .append(c.type().fromText("CAST(? AS VARCHAR)"));
        }
        try (PreparedStatement insert =
                        session.prepare("INSERT INTO " + target + " (" + names + ") VALUES (" + params + ")");
                PreparedStatement delete = session.prepare("DELETE FROM " + target
                        + " WHERE rowid = (SELECT rowid FROM " + target + " WHERE " + match + " LIMIT 1)")) {
            for (Change.Row row : rows) {
                if (row.op() == 'D' || row.op() == 'U') {
                    for (int i = 0; i < columns; i++) {
                        delete.setString(i + 1, row.oldTuple().get(i).text());
                    }
                    delete.execute();
                }
                if (row.op() == 'I' || row.op() == 'U') {
                    for (int i = 0; i < columns; i++) {
                        TupleData.Value v = row.newTuple().get(i);
                        if (v.isUnchangedToast() && row.oldTuple() != null) {
                            v = row.oldTuple().get(i);
                        }
                        insert.setString(i + 1, v.text());
                    }
                    insert.execute();
                }
            }
        }
    }
}
