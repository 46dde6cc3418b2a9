package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckDbErrors;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.sync.snapshot.TableLoad;
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
 * effect per row key is computed in memory. In the common case (no unchanged-TOAST value to look up, and
 * columns that load without a cast) the keys that may already be in DuckDB are deleted — by one key range
 * when they fill it, else through a staging table of keys — and the last versions are appended straight to
 * the live table: one statement and one appender per table, which keeps the fixed cost of a small batch low.
 * Otherwise whole rows are staged and reach the live table through one {@code DELETE ... USING} and one
 * {@code INSERT ... SELECT}; unchanged TOASTed values are then taken from the previous version of the row
 * (earlier in the batch, or the row in DuckDB). Tables without a key (REPLICA IDENTITY FULL) are applied
 * row by row.
 *
 * <p>Confined to the writer lane.
 */
final class ChangeApplier {
    private static final String STAGE = "cdc_stage";
    private static final String RESOLVED = "cdc_resolved";

    private ChangeApplier() {}

    /**
     * What one apply did, per table, and where its time went (for the per-batch debug log).
     *
     * @param lossy values changed to fit their DuckDB type (rounded, NaN or infinity stored as NULL), by
     *     {@code schema.table} and column, with the override that keeps them; empty when every value fit
     */
    record Outcome(
            Map<String, Long> changesPerTable,
            long changes,
            Timings timings,
            Map<String, Map<String, TableLoad.LossyCount>> lossy) {}

    /** Nanoseconds spent per step of one apply. Confined to the writer lane until the apply returns. */
    static final class Timings {
        long stage;
        long delete;
        long insert;
        long other;

        @Override
        public String toString() {
            return "stage " + stage / 1_000_000 + " ms, delete " + delete / 1_000_000 + " ms, insert "
                    + insert / 1_000_000 + " ms, other " + other / 1_000_000 + " ms";
        }
    }

    static Outcome apply(
            ReadSession session, String slot, List<PendingTransaction> batch, TypeMapping types, Targets targets)
            throws SQLException {
        Timings timings = new Timings();
        // the position first: its statement begins the DuckDB transaction, which the appenders below then
        // join (an appender used before any statement of a transaction commits its rows on its own); it
        // becomes visible with the changes, at commit
        PendingTransaction last = batch.getLast();
        targets.applying = null;
        long t0 = System.nanoTime();
        CdcStateStore.savePosition(session, slot, last.commitLsn, last.endLsn, last.commitTime);
        timings.other += System.nanoTime() - t0;
        Map<String, long[]> perTableCounts = new HashMap<>();
        Map<String, Map<String, TableLoad.LossyCount>> lossy = new LinkedHashMap<>();
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
                applySegment(session, segment, types, targets, timings, lossy);
                segment.clear();
                targets.applying = change.table().qualifiedName();
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
        applySegment(session, segment, types, targets, timings, lossy);
        targets.applying = null;
        Map<String, Long> perTable = new HashMap<>();
        perTableCounts.forEach((name, n) -> perTable.put(name, n[0]));
        return new Outcome(perTable, total, timings, lossy);
    }

    /**
     * Which tables take appended rows directly: every column loads without a cast, and DuckDB's table has
     * exactly the captured columns, by name and in order (so a value cannot land in another column).
     * Checked once per table shape; a schema change or a new copy brings a new shape. Confined to the
     * writer lane (one instance per replication session, used by one batch at a time).
     */
    static final class Targets {
        private final Map<SourceTable, Boolean> appendable = new java.util.IdentityHashMap<>();
        /** The table whose changes are being applied, or null; names the table when an apply fails. */
        private volatile String applying;

        /**
         * The {@code schema.table} whose changes the last apply was applying when it stopped; null after an
         * apply that succeeded or that failed outside any one table's changes (storing the position).
         */
        String failedTable() {
            return applying;
        }

        boolean appendable(ReadSession session, SourceTable table, List<ColumnMapping> mappings) throws SQLException {
            Boolean known = appendable.get(table);
            if (known != null) {
                return known;
            }
            boolean direct = mappings.stream().noneMatch(ColumnMapping::needsCast);
            if (direct) {
                List<String> names = new ArrayList<>();
                try (PreparedStatement ps = session.prepare("SELECT column_name FROM duckdb_columns()"
                        + " WHERE database_name = current_database() AND schema_name = ? AND table_name = ?"
                        + " ORDER BY column_index")) {
                    ps.setString(1, table.targetSchema());
                    ps.setString(2, table.name());
                    try (java.sql.ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            names.add(rs.getString(1));
                        }
                    }
                }
                direct = names.equals(
                        table.columns().stream().map(SourceTable.Column::name).toList());
            }
            if (appendable.size() > 1_000) {
                appendable.clear(); // shapes of long-gone tables
            }
            appendable.put(table, direct);
            return direct;
        }
    }

    private static long[] counts(Map<String, long[]> counts, String table) {
        return counts.computeIfAbsent(table, k -> new long[1]);
    }

    private static void applySegment(
            ReadSession session,
            List<Change.Row> segment,
            TypeMapping types,
            Targets targets,
            Timings timings,
            Map<String, Map<String, TableLoad.LossyCount>> lossy)
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
            targets.applying = table.qualifiedName();
            List<ColumnMapping> mappings = table.mappings(types);
            if (table.hasKey()) {
                applyKeyed(session, table, tableRows, mappings, targets, timings);
            } else {
                applyRowByRow(session, table, tableRows, mappings);
            }
            for (ColumnMapping m : mappings) {
                if (m.lossy().count() > 0) {
                    lossy.computeIfAbsent(table.qualifiedName(), k -> new LinkedHashMap<>())
                            .merge(
                                    m.name(),
                                    new TableLoad.LossyCount(
                                            m.lossy().count(), m.lossy().override()),
                                    (a, b) -> new TableLoad.LossyCount(a.count() + b.count(), a.override()));
                }
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

    private static void applyKeyed(
            ReadSession session,
            SourceTable table,
            List<Change.Row> rows,
            List<ColumnMapping> mappings,
            Targets targets,
            Timings timings)
            throws SQLException {
        long t0 = System.nanoTime();
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
        if (!anyUnchanged && targets.appendable(session, table, mappings)) {
            applyDirect(session, table, mappings, inserts, versions, mustDelete, timings, t0);
            return;
        }
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
        } catch (SQLException e) {
            throw appendFailed(table, e);
        }
        String target = table.quotedTarget();
        long t1 = System.nanoTime();
        timings.stage += t1 - t0;
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
            long t2 = System.nanoTime();
            timings.delete += t2 - t1;
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
            timings.insert += System.nanoTime() - t2;
        }
    }

    /**
     * The short path for a segment without unchanged-TOAST values on a table whose DuckDB columns take the
     * appender's values as they are: the keys that may be in DuckDB are deleted (by a key range when they
     * fill one, else through a staging table of keys only), then every last version is appended
     * straight to the table. Two statements and one appender instead of staging whole rows and copying them.
     */
    private static void applyDirect(
            ReadSession session,
            SourceTable table,
            List<ColumnMapping> mappings,
            List<Version> inserts,
            Map<Key, Version> versions,
            java.util.Set<Key> mustDelete,
            Timings timings,
            long t0)
            throws SQLException {
        String target = table.quotedTarget();
        long t1 = System.nanoTime();
        if (!mustDelete.isEmpty()) {
            String range = denseKeyRange(table, mappings, mustDelete);
            try (Statement st = session.statement()) {
                if (range != null) {
                    st.execute("DELETE FROM " + target + " WHERE " + range);
                } else {
                    List<Integer> key = table.keyColumns();
                    StringBuilder ddl = new StringBuilder("CREATE OR REPLACE TEMP TABLE " + STAGE + " (");
                    for (int i = 0; i < key.size(); i++) {
                        ddl.append(i == 0 ? "" : ", ")
                                .append("__k")
                                .append(i)
                                .append(' ')
                                .append(mappings.get(key.get(i)).loadType());
                    }
                    st.execute(ddl.append(")").toString());
                    try (DuckDBAppender appender = session.connection().createAppender("temp", "main", STAGE)) {
                        for (Key k : mustDelete) {
                            appender.beginRow();
                            for (int i = 0; i < key.size(); i++) {
                                appendBytes(appender, mappings.get(key.get(i)), k.parts[i]);
                            }
                            appender.endRow();
                        }
                    }
                    st.execute("DELETE FROM " + target + " USING " + STAGE + " s WHERE "
                            + keyMatch(table, mappings, target, "s.__k")
                            + keyRange(table, mappings, target, mustDelete));
                }
            }
        }
        long t2 = System.nanoTime();
        timings.stage += t1 - t0;
        timings.delete += t2 - t1;
        int columns = mappings.size();
        try (DuckDBAppender appender = session.connection().createAppender(table.targetSchema(), table.name())) {
            for (Version v : inserts) {
                appendRow(appender, mappings, v, columns);
            }
            for (Version v : versions.values()) {
                if (!v.deleted()) {
                    appendRow(appender, mappings, v, columns);
                }
            }
        } catch (SQLException e) {
            throw appendFailed(table, e);
        }
        timings.insert += System.nanoTime() - t2;
    }

    /**
     * A value the appender refused for {@code table}: DuckDB's own errors keep their class; the driver's
     * refusals carry no DuckDB error type (an ENUM label DuckDB's type lacks, say) and are CONVERSION
     * errors, so the table alone is set aside (see {@link TableFailures}).
     */
    private static DuckbridgeException appendFailed(SourceTable table, SQLException e) {
        if (DuckDbErrors.errorType(e.getMessage()) != null) {
            return DuckDbErrors.wrap(e);
        }
        return new DuckbridgeException(
                ErrorClass.CONVERSION,
                "a value of " + table.qualifiedName() + " does not fit its DuckDB column: " + e.getMessage(),
                e);
    }

    private static void appendRow(DuckDBAppender appender, List<ColumnMapping> mappings, Version v, int columns)
            throws SQLException {
        appender.beginRow();
        for (int i = 0; i < columns; i++) {
            appendValue(appender, mappings.get(i), v.values()[i]);
        }
        appender.endRow();
    }

    /**
     * For a single integer key whose values to delete are every integer from the lowest to the highest (rows
     * updated in key order, a common bulk pattern), {@code "k" BETWEEN min AND max}: the same rows, found
     * through the zone maps without a join; null otherwise. The keys are parsed, so only digits reach the SQL.
     */
    private static String denseKeyRange(SourceTable table, List<ColumnMapping> mappings, java.util.Set<Key> keys) {
        if (table.keyColumns().size() != 1) {
            return null;
        }
        int index = table.keyColumns().getFirst();
        String type = mappings.get(index).duckDbType();
        if (!type.equals("BIGINT") && !type.equals("INTEGER") && !type.equals("SMALLINT")) {
            return null;
        }
        long[] values = new long[keys.size()];
        int n = 0;
        for (Key key : keys) {
            try {
                values[n++] = Long.parseLong(new String(key.parts[0], StandardCharsets.US_ASCII));
            } catch (NumberFormatException | NullPointerException e) {
                return null;
            }
        }
        // the range holds exactly these rows only if the sorted values step by one (no gap, no repeat)
        Arrays.sort(values);
        for (int i = 1; i < values.length; i++) {
            if (values[i] != values[i - 1] + 1) {
                return null;
            }
        }
        long min = values[0];
        long max = values[values.length - 1];
        return SqlNames.quote(table.columns().get(index).name()) + " BETWEEN " + min + " AND " + max;
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
    private static void applyRowByRow(
            ReadSession session, SourceTable table, List<Change.Row> rows, List<ColumnMapping> mappings)
            throws SQLException {
        int columns = table.columns().size();
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
        } catch (SQLException e) {
            throw appendFailed(table, e);
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
