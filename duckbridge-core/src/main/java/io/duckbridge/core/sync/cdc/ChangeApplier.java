package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.TypeMapping;
import java.nio.charset.StandardCharsets;
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

    static Outcome apply(ReadSession session, String slot, List<PendingTransaction> batch, TypeMapping types)
            throws SQLException {
        Map<String, long[]> perTableCounts = new HashMap<>();
        List<Change.Row> segment = new ArrayList<>();
        long total = 0;
        SourceTable counted = null;
        long[] count = null;
        for (PendingTransaction tx : batch) {
            for (Change change : tx.changes) {
                if (change instanceof Change.Row row) {
                    segment.add(row);
                    if (row.table() != counted) { // rows of one table come in runs: name it once per run
                        counted = row.table();
                        count = counts(perTableCounts, counted.qualifiedName());
                    }
                    count[0]++;
                    total++;
                    continue;
                }
                applySegment(session, segment, types);
                segment.clear();
                switch (change) {
                    case Change.Truncate t -> {
                        try (Statement st = session.statement()) {
                            st.execute("DELETE FROM " + t.table().quotedTarget());
                        }
                        counts(perTableCounts, t.table().qualifiedName())[0]++;
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
        applySegment(session, segment, types);
        PendingTransaction last = batch.getLast();
        CdcStateStore.savePosition(session, slot, last.commitLsn, last.endLsn, last.commitTime);
        Map<String, Long> perTable = new HashMap<>();
        perTableCounts.forEach((name, n) -> perTable.put(name, n[0]));
        return new Outcome(perTable, total);
    }

    private static long[] counts(Map<String, long[]> counts, String table) {
        return counts.computeIfAbsent(table, k -> new long[1]);
    }

    private static void applySegment(ReadSession session, List<Change.Row> segment, TypeMapping types)
            throws SQLException {
        if (segment.isEmpty()) {
            return;
        }
        Map<String, List<Change.Row>> byTable = new LinkedHashMap<>();
        SourceTable last = null;
        List<Change.Row> rows = null;
        for (Change.Row row : segment) {
            if (row.table() != last) {
                last = row.table();
                rows = byTable.computeIfAbsent(last.qualifiedName(), k -> new ArrayList<>());
            }
            rows.add(row);
        }
        for (List<Change.Row> tableRows : byTable.values()) {
            SourceTable table = tableRows.getLast().table();
            if (table.hasKey()) {
                applyKeyed(session, table, tableRows, types);
            } else {
                applyRowByRow(session, table, tableRows, types);
            }
        }
    }

    // ---- tables with a key: net effect per key, set-based ----------------------------------------

    /**
     * The last version of a key in the batch: deleted, or a row whose unchanged-TOAST columns ({@code
     * unchanged}) come from the row with key {@code origin} in DuckDB.
     */
    private record Version(boolean deleted, TupleData.Value[] values, boolean[] unchanged, Key origin) {
        static final Version DELETED = new Version(true, null, null, null);
    }

    /** A row key: the text of its key columns, compared byte by byte. */
    private static final class Key {
        final byte[][] parts;
        final int hash;

        Key(byte[][] parts) {
            this.parts = parts;
            this.hash = Arrays.deepHashCode(parts);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.deepEquals(k.parts, parts);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static void applyKeyed(ReadSession session, SourceTable table, List<Change.Row> rows, TypeMapping types)
            throws SQLException {
        int columns = table.columns().size();
        // only inserts (the common bulk case): their keys are all different (a key inserted twice needs a
        // delete in between) and none is in DuckDB yet, so every row is staged as it is, without keys
        boolean insertsOnly = true;
        for (Change.Row row : rows) {
            insertsOnly &= row.op() == 'I';
        }
        Map<Key, Version> versions = new LinkedHashMap<>();
        List<Version> inserts = new ArrayList<>(insertsOnly ? rows.size() : 0);
        // keys whose row may be in DuckDB already: the first change to them in this segment was not an
        // insert (a key first inserted here cannot exist before, as DuckDB equals PostgreSQL at the start)
        java.util.Set<Key> mustDelete = new java.util.HashSet<>();
        for (Change.Row row : rows) {
            if (insertsOnly) {
                inserts.add(version(row.newTuple(), null, null));
                continue;
            }
            switch (row.op()) {
                case 'I' -> versions.put(key(table, row.newTuple()), version(row.newTuple(), null, null));
                case 'D' -> {
                    Key oldKey = key(table, row.oldTuple());
                    if (!versions.containsKey(oldKey)) {
                        mustDelete.add(oldKey);
                    }
                    versions.put(oldKey, Version.DELETED);
                }
                case 'U' -> {
                    Key newKey = key(table, row.newTuple());
                    Key oldKey = row.oldTuple() == null ? newKey : key(table, row.oldTuple());
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
        boolean anyUpsert = insertsOnly;
        for (Version v : versions.values()) {
            anyUnchanged |= v.unchanged() != null;
            anyUpsert |= !v.deleted();
        }
        List<Integer> key = table.keyColumns();
        List<ColumnMapping> mappings = table.mappings(types);
        createStage(session, mappings, key);
        // values go to typed staging columns through the sync feature's codecs, straight from the bytes
        try (DuckDBAppender appender = session.connection().createAppender("temp", "main", STAGE)) {
            for (Version v : inserts) {
                appender.beginRow();
                appender.append("U");
                appender.append(false);
                for (int i = 0; i < 1 + 2 * key.size(); i++) {
                    appender.appendNull(); // no unchanged columns, no key to delete or take values from
                }
                for (int i = 0; i < columns; i++) {
                    appendValue(appender, mappings.get(i), v.values()[i]);
                }
                appender.endRow();
            }
            for (Map.Entry<Key, Version> e : versions.entrySet()) {
                Version v = e.getValue();
                appender.beginRow();
                appender.append(v.deleted() ? "D" : "U");
                appender.append(mustDelete.contains(e.getKey()));
                if (v.unchanged() == null) {
                    appender.appendNull();
                } else {
                    appender.append(flags(v.unchanged()));
                }
                for (int i = 0; i < key.size(); i++) {
                    appendBytes(appender, mappings.get(key.get(i)), e.getKey().parts[i]);
                }
                for (int i = 0; i < key.size(); i++) {
                    appendBytes(appender, mappings.get(key.get(i)), v.unchanged() == null ? null : v.origin().parts[i]);
                }
                for (int i = 0; i < columns; i++) {
                    appendValue(appender, mappings.get(i), v.deleted() ? null : v.values()[i]);
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
                            .append(mappings.get(i).castExpression("s.c" + i))
                            .append(" END AS ")
                            .append(SqlNames.quote(c.name()));
                }
                select.append(" FROM " + STAGE + " s LEFT JOIN ")
                        .append(target)
                        .append(" t ON ")
                        .append(keyMatch(table, mappings, "t", "s.__o"))
                        .append(" WHERE s.__op = 'U'");
                st.execute(select.toString());
            }
            if (!mustDelete.isEmpty()) {
                st.execute("DELETE FROM " + target + " USING " + STAGE + " s WHERE s.__del AND "
                        + keyMatch(table, mappings, target, "s.__k") + keyRange(table, mappings, target, mustDelete));
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
                                            : mappings.get(i).castExpression("c" + i));
                }
                insert.append(") SELECT ").append(values);
                insert.append(anyUnchanged ? " FROM " + RESOLVED : " FROM " + STAGE + " WHERE __op = 'U'");
                st.execute(insert.toString());
            }
        }
    }

    private static Version version(TupleData tuple, TupleData fullOld, Key origin) {
        int n = tuple.size();
        TupleData.Value[] values = new TupleData.Value[n];
        boolean[] unchanged = null;
        for (int i = 0; i < n; i++) {
            TupleData.Value v = tuple.get(i);
            if (v.isUnchangedToast()) {
                if (fullOld != null && !fullOld.get(i).isUnchangedToast()) {
                    values[i] = fullOld.get(i);
                    continue;
                }
                if (unchanged == null) {
                    unchanged = new boolean[n];
                }
                unchanged[i] = true;
            } else {
                values[i] = v;
            }
        }
        return new Version(false, values, unchanged, unchanged == null ? null : origin);
    }

    /** Fills unchanged-TOAST columns of {@code next} from the version before it in this batch. */
    private static Version inherit(Version next, Version previous, int columns) {
        TupleData.Value[] values = next.values().clone();
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

    private static Key key(SourceTable table, TupleData tuple) {
        byte[][] key = new byte[table.keyColumns().size()][];
        for (int i = 0; i < key.length; i++) {
            TupleData.Value v = tuple.get(table.keyColumns().get(i));
            key[i] = v.kind() == TupleData.Kind.BINARY ? v.text().getBytes(StandardCharsets.UTF_8) : v.bytes();
        }
        return new Key(key);
    }

    private static String flags(boolean[] unchanged) {
        StringBuilder s = new StringBuilder(unchanged.length);
        for (boolean b : unchanged) {
            s.append(b ? '1' : '0');
        }
        return s.toString();
    }

    /** The staging table: operation, flags, key and origin key, then every column, in their load types. */
    private static void createStage(ReadSession session, List<ColumnMapping> mappings, List<Integer> key)
            throws SQLException {
        StringBuilder ddl = new StringBuilder(
                "CREATE OR REPLACE TEMP TABLE " + STAGE + " (__op VARCHAR, __del BOOLEAN, __u VARCHAR");
        for (int i = 0; i < key.size(); i++) {
            ddl.append(", __k")
                    .append(i)
                    .append(' ')
                    .append(mappings.get(key.get(i)).loadType());
        }
        for (int i = 0; i < key.size(); i++) {
            ddl.append(", __o")
                    .append(i)
                    .append(' ')
                    .append(mappings.get(key.get(i)).loadType());
        }
        for (int i = 0; i < mappings.size(); i++) {
            ddl.append(", c").append(i).append(' ').append(mappings.get(i).loadType());
        }
        try (Statement st = session.statement()) {
            st.execute(ddl.append(")").toString());
        }
    }

    /**
     * For a single integer key, a constant range around the keys to delete, so DuckDB's zone maps skip
     * row groups that cannot hold them instead of scanning the whole table for the join.
     */
    private static String keyRange(
            SourceTable table, List<ColumnMapping> mappings, String alias, java.util.Set<Key> keys) {
        if (table.keyColumns().size() != 1) {
            return "";
        }
        int index = table.keyColumns().getFirst();
        String type = mappings.get(index).duckDbType();
        if (!type.equals("BIGINT") && !type.equals("INTEGER") && !type.equals("SMALLINT")) {
            return "";
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Key key : keys) {
            try {
                long v = Long.parseLong(new String(key.parts[0], StandardCharsets.US_ASCII));
                min = Math.min(min, v);
                max = Math.max(max, v);
            } catch (NumberFormatException | NullPointerException e) {
                return "";
            }
        }
        String column = alias + "." + SqlNames.quote(table.columns().get(index).name());
        return " AND " + column + " BETWEEN " + min + " AND " + max;
    }

    private static String keyMatch(SourceTable table, List<ColumnMapping> mappings, String alias, String stagePrefix) {
        StringBuilder match = new StringBuilder();
        List<Integer> key = table.keyColumns();
        for (int i = 0; i < key.size(); i++) {
            SourceTable.Column c = table.columns().get(key.get(i));
            match.append(i == 0 ? "" : " AND ")
                    .append(alias)
                    .append('.')
                    .append(SqlNames.quote(c.name()))
                    .append(" = ")
                    .append(mappings.get(key.get(i)).castExpression(stagePrefix + i));
        }
        return match.toString();
    }

    /** Appends a column value from pgoutput: text through the column's codec, NULL for null and 'u'. */
    private static void appendValue(DuckDBAppender appender, ColumnMapping mapping, TupleData.Value value)
            throws SQLException {
        if (value == null || value.kind() == TupleData.Kind.NULL || value.isUnchangedToast()) {
            appender.appendNull();
        } else if (value.kind() == TupleData.Kind.TEXT) {
            mapping.appendUtf8(appender, value.bytes(), 0, value.bytes().length);
        } else {
            mapping.appendText(appender, value.text()); // binary values are not requested
        }
    }

    private static void appendBytes(DuckDBAppender appender, ColumnMapping mapping, byte[] text) throws SQLException {
        if (text == null) {
            appender.appendNull();
        } else {
            mapping.appendUtf8(appender, text, 0, text.length);
        }
    }

    // ---- tables identified by all their values: row by row ----------------------------------------

    /**
     * Every change is staged once (old and new row, typed), then applied in order: a delete removes one
     * row equal to the old row, an insert adds the new one.
     */
    private static void applyRowByRow(ReadSession session, SourceTable table, List<Change.Row> rows, TypeMapping types)
            throws SQLException {
        int columns = table.columns().size();
        List<ColumnMapping> mappings = table.mappings(types);
        String target = table.quotedTarget();
        StringBuilder ddl = new StringBuilder("CREATE OR REPLACE TEMP TABLE " + STAGE + " (__seq INTEGER");
        StringBuilder names = new StringBuilder();
        StringBuilder values = new StringBuilder();
        StringBuilder match = new StringBuilder();
        for (int i = 0; i < columns; i++) {
            ColumnMapping m = mappings.get(i);
            ddl.append(", o").append(i).append(' ').append(m.loadType());
            ddl.append(", c").append(i).append(' ').append(m.loadType());
            String name = SqlNames.quote(table.columns().get(i).name());
            names.append(i == 0 ? "" : ", ").append(name);
            values.append(i == 0 ? "" : ", ").append(m.castExpression("s.c" + i));
            match.append(" AND t.")
                    .append(name)
                    .append(" IS NOT DISTINCT FROM ")
                    .append(m.castExpression("s.o" + i));
        }
        try (Statement st = session.statement()) {
            st.execute(ddl.append(")").toString());
        }
        try (DuckDBAppender appender = session.connection().createAppender("temp", "main", STAGE)) {
            for (int r = 0; r < rows.size(); r++) {
                Change.Row row = rows.get(r);
                appender.beginRow();
                appender.append(r);
                for (int i = 0; i < columns; i++) {
                    appendValue(
                            appender,
                            mappings.get(i),
                            row.oldTuple() == null ? null : row.oldTuple().get(i));
                    TupleData.Value v =
                            row.newTuple() == null ? null : row.newTuple().get(i);
                    if (v != null && v.isUnchangedToast() && row.oldTuple() != null) {
                        v = row.oldTuple().get(i);
                    }
                    appendValue(appender, mappings.get(i), v);
                }
                appender.endRow();
            }
        }
        try (PreparedStatement insert = session.prepare("INSERT INTO " + target + " (" + names + ") SELECT " + values
                        + " FROM " + STAGE + " s WHERE s.__seq = ?");
                PreparedStatement delete =
                        session.prepare("DELETE FROM " + target + " WHERE rowid = (SELECT t.rowid FROM " + target
                                + " t, " + STAGE + " s WHERE s.__seq = ?" + match + " LIMIT 1)")) {
            for (int r = 0; r < rows.size(); r++) {
                Change.Row row = rows.get(r);
                if (row.op() == 'D' || row.op() == 'U') {
                    delete.setInt(1, r);
                    delete.execute();
                }
                if (row.op() == 'I' || row.op() == 'U') {
                    insert.setInt(1, r);
                    insert.execute();
                }
            }
        }
    }
}
