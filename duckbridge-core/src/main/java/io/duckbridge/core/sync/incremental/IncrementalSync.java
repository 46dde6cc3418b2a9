package io.duckbridge.core.sync.incremental;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.LeftoverTables;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.PgErrors;
import io.duckbridge.core.schema.PgType;
import io.duckbridge.core.schema.SourceColumn;
import io.duckbridge.core.schema.SourceTable;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.source.QueryCanceller;
import io.duckbridge.core.sync.snapshot.CopyIngester;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incremental sync of one table by watermark: reads the rows with {@code watermark >= last - overlap} (and
 * the new highest watermark) in one {@code REPEATABLE READ} transaction, stages them, and in one writer-lane
 * transaction deletes the live rows with the same primary key and inserts the staged ones (upsert by key),
 * removes soft-deleted rows, and, when asked, deletes rows whose key no longer exists in PostgreSQL (key
 * reconciliation). Columns added in PostgreSQL are added in DuckDB and back-filled; any other drift, a
 * missing primary key or watermark column, or a missing previous sync makes the run answer
 * {@link Outcome#fallbackReason()} so the caller runs a full sync instead.
 *
 * <p>Thread-safe: each {@link #run} uses its own connections.
 */
public final class IncrementalSync {
    private static final Logger log = LoggerFactory.getLogger(IncrementalSync.class);
    private static final Set<String> TEMPORAL = Set.of("timestamp", "timestamptz", "date");
    private static final Set<String> INTEGRAL = Set.of("int2", "int4", "int8", "numeric");

    private final DuckDbEngine engine;
    private final IncrementalSettings settings;

    public IncrementalSync(DuckDbEngine engine, IncrementalSettings settings) {
        this.engine = engine;
        this.settings = settings;
    }

    public IncrementalSettings settings() {
        return settings;
    }

    /**
     * What the previous successful sync of the table left (from the sync state).
     *
     * @param identity the stored {@link TableIdentity#encode()}; null when unknown (a state written by an earlier
     *     version), which is recorded by this run and is no reason for a full sync
     */
    public record Previous(String watermark, String columns, String identity, boolean liveTableExists) {}

    /**
     * The result of a run: either applied ({@code fallbackReason == null}) or a reason to run a full sync.
     */
    public record Outcome(
            String fallbackReason,
            long rows,
            long bytes,
            long deleted,
            String watermark,
            boolean reconciled,
            List<String> addedColumns,
            Map<String, Long> lossy,
            String identity) {
        static Outcome fallback(String reason) {
            return new Outcome(reason, 0, 0, 0, null, false, List.of(), Map.of(), null);
        }

        public boolean appliedIncrementally() {
            return fallbackReason == null;
        }
    }

    /** Work done in the upsert transaction (e.g. saving sync state) with the outcome it commits. */
    @FunctionalInterface
    public interface CommitHook {
        void onCommit(ReadSession session, Outcome outcome) throws Exception;
    }

    /**
     * The signature of a table's columns (one {@code name<TAB>pgType<TAB>duckDbType} line each) stored to detect
     * drift. The DuckDB type is part of it because the PostgreSQL type's name does not say everything: an enum
     * that gained a label (or a composite that gained a field, a changed numeric override) keeps its name but
     * needs a new DuckDB column type, which only a full sync creates.
     */
    public static String signature(List<ColumnMapping> mappings) {
        return mappings.stream().map(IncrementalSync::signatureLine).collect(Collectors.joining("\n"));
    }

    private static String signatureLine(ColumnMapping m) {
        return m.name() + "\t" + m.pgType() + "\t" + m.duckDbType();
    }

    /**
     * Whether the stored signature line {@code before} still describes {@code now}'s column: the same line, or a
     * line of an earlier version ({@code name<TAB>pgType}, without the DuckDB type) for a column whose DuckDB
     * type follows from its PostgreSQL type's name alone. For an enum or a composite such a line cannot tell
     * whether labels or fields changed, so the table is copied in full once and gets a complete signature.
     */
    private static boolean sameColumn(String before, ColumnMapping now) {
        if (before.equals(signatureLine(now))) {
            return true;
        }
        String type = now.duckDbType();
        return before.equals(now.name() + "\t" + now.pgType()) && !type.contains("ENUM(") && !type.contains("STRUCT(");
    }

    /**
     * Runs one incremental sync of {@code table}.
     *
     * @param reconcile whether to run the key reconciliation this time
     * @throws DuckbridgeException when PostgreSQL or DuckDB fail; DuckDB is unchanged then. CANCELLED when the job
     *     is cancelled: its PostgreSQL statement is cancelled too, also one waiting for a lock
     */
    public Outcome run(
            PostgresSource source,
            SourceTable table,
            List<ColumnMapping> mappings,
            Previous previous,
            boolean reconcile,
            JobContext context,
            CommitHook hook) {
        String reason = fallbackReason(table, previous);
        if (reason != null) {
            return Outcome.fallback(reason);
        }
        SourceColumn watermark = table.column(settings.watermarkColumn()).orElseThrow();
        String runId = LeftoverTables.newRunId();
        String changes = "i_" + runId + "_changes";
        String keys = "i_" + runId + "_keys";
        String backfill = "i_" + runId + "_added";
        List<ColumnMapping> keyMappings = mappings.stream()
                .filter(m -> table.primaryKey().contains(m.name()))
                .toList();
        List<String> staged = new ArrayList<>();
        engine.executeOnLane("CREATE SCHEMA IF NOT EXISTS " + CopyIngester.STAGING_SCHEMA);
        DuckDBConnection duck = duplicate();
        // its statements wait for PostgreSQL's locks like any other: a cancel of the job cancels them there
        try (QueryCanceller canceller = new QueryCanceller(context);
                Connection pg = canceller.watch(source.connect())) {
            try (Statement st = pg.createStatement()) {
                st.execute(io.duckbridge.core.sync.snapshot.SourceSnapshot.SESSION_SETTINGS);
            }
            pg.setAutoCommit(false);
            pg.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            // read in the transaction the rows come from, so the identity stored is that of the rows copied
            TableIdentity identity = TableIdentity.read(pg, table.name());
            TableIdentity known = TableIdentity.decode(previous.identity());
            boolean comparable = identity != null && known != null;
            String recreated = comparable ? identity.recreation(known, table.name()) : null;
            if (recreated != null) {
                return Outcome.fallback(recreated);
            }
            ColumnChanges columns = columnChanges(
                    table.name(),
                    previous.columns(),
                    known == null ? null : known.attnums(),
                    mappings,
                    identity == null ? null : identity.attnums());
            if (columns.drift() != null) {
                return Outcome.fallback(columns.drift());
            }
            // checked after the columns: a retyped column also rewrites the table, and its name says more
            List<String> storage = comparable ? identity.storageChanges(known, table.name()) : List.of();
            if (!storage.isEmpty()) {
                return Outcome.fallback(String.join("; ", storage));
            }
            List<String> added = columns.added();
            String wm = TableName.quote(watermark.name());
            // the new watermark is the highest of the rows read (every row at or above the lower bound, so the
            // table's highest too): taken from the staged copy when its type keeps values exactly, instead of a
            // second scan of the PostgreSQL table
            ColumnMapping watermarkMapping = mappings.stream()
                    .filter(m -> m.name().equals(watermark.name()))
                    .findFirst()
                    .orElse(null);
            boolean fromCopy = watermarkMapping != null
                    && WatermarkText.readable(watermarkMapping)
                    && !watermarkMapping.needsCast();
            // the new watermark goes no further than PostgreSQL's time now (see WatermarkText.horizon)
            String horizon = WatermarkText.horizon(watermark.type());
            Instant now;
            try (Statement st = pg.createStatement();
                    ResultSet rs = st.executeQuery("SELECT (extract(epoch FROM now()) * 1000000)::bigint")) {
                rs.next();
                now = Instant.EPOCH.plus(rs.getLong(1), ChronoUnit.MICROS);
            }
            String sourceWatermark =
                    fromCopy ? null : WatermarkText.fromSource(pg, table.name(), watermark.name(), horizon);
            String where = "";
            if (previous.watermark() != null) {
                try (PreparedStatement ps = pg.prepareStatement(
                        "SELECT set_config('duckbridge.watermark', ?, true), set_config('duckbridge.overlap', ?,"
                                + " true)")) {
                    ps.setString(1, previous.watermark());
                    ps.setString(2, settings.overlap().toMillis() + " milliseconds");
                    ps.executeQuery().close();
                }
                String typeName = ((PgType.Scalar) watermark.type()).name();
                String lower = "current_setting('duckbridge.watermark')::" + watermark.pgType();
                if (horizon != null) {
                    // recorded beyond the horizon (by an earlier version): the runs since read only rows at or
                    // after it, so changes below it may have been missed
                    try (Statement st = pg.createStatement();
                            ResultSet rs = st.executeQuery("SELECT " + lower + " > " + horizon)) {
                        rs.next();
                        if (rs.getBoolean(1)) {
                            return Outcome.fallback("the stored watermark " + previous.watermark() + " of "
                                    + table.name() + " is later than PostgreSQL's current time, so changes"
                                    + " since may have been missed");
                        }
                    }
                }
                if (TEMPORAL.contains(typeName)) {
                    lower = "(" + lower + " - current_setting('duckbridge.overlap')::interval)";
                }
                where = " WHERE " + wm + " >= " + lower;
                if (comparable) {
                    // a partition created since holds only rows this run reads; one attached with older rows
                    // (or with rows the watermark cannot see) needs a full copy
                    for (TableIdentity.Relation p : identity.newPartitions(known)) {
                        try (Statement st = pg.createStatement();
                                ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM ONLY "
                                        + TableName.parse(p.name()).quoted() + " WHERE " + wm + " < " + lower
                                        + ")")) {
                            rs.next();
                            if (rs.getBoolean(1)) {
                                return Outcome.fallback("partition " + p.name() + " of " + table.name()
                                        + " was attached since the last sync with rows older than the"
                                        + " watermark");
                            }
                        }
                    }
                }
            }
            String select = CopyIngester.selectList(mappings);
            var changed = CopyIngester.ingest(
                    pg,
                    "COPY (SELECT " + select + " FROM " + table.name().quoted() + where + ") TO STDOUT",
                    mappings,
                    duck,
                    changes,
                    context);
            staged.add(changes);
            long bytes = changed.bytes();
            if (reconcile) {
                bytes += CopyIngester.ingest(
                                pg,
                                "COPY (SELECT " + CopyIngester.selectList(keyMappings) + " FROM "
                                        + table.name().quoted() + ") TO STDOUT",
                                keyMappings,
                                duck,
                                keys,
                                JobContext.none())
                        .bytes();
                staged.add(keys);
            }
            List<ColumnMapping> addedMappings =
                    mappings.stream().filter(m -> added.contains(m.name())).toList();
            if (!added.isEmpty()) {
                List<ColumnMapping> fill = new ArrayList<>(keyMappings);
                fill.addAll(addedMappings);
                bytes += CopyIngester.ingest(
                                pg,
                                "COPY (SELECT " + CopyIngester.selectList(fill) + " FROM "
                                        + table.name().quoted() + ") TO STDOUT",
                                fill,
                                duck,
                                backfill,
                                JobContext.none())
                        .bytes();
                staged.add(backfill);
            }
            pg.rollback();
            long totalBytes = bytes;
            Map<String, Long> lossy = new LinkedHashMap<>();
            for (ColumnMapping m : mappings) {
                if (m.lossy().count() > 0) {
                    lossy.put(m.name(), m.lossy().count());
                }
            }
            return engine.write(session -> {
                String newWatermark = fromCopy
                        ? WatermarkText.read(
                                session, new TableName(CopyIngester.STAGING_SCHEMA, changes), watermarkMapping, now)
                        : sourceWatermark;
                long deleted = apply(
                        session,
                        table,
                        mappings,
                        keyMappings,
                        addedMappings,
                        changes,
                        reconcile ? keys : null,
                        added.isEmpty() ? null : backfill);
                Outcome outcome = new Outcome(
                        null,
                        changed.rows(),
                        totalBytes,
                        deleted,
                        newWatermark != null ? newWatermark : previous.watermark(),
                        reconcile,
                        added,
                        lossy,
                        identity == null ? null : identity.encode());
                if (hook != null) {
                    hook.onCommit(session, outcome);
                }
                return outcome;
            });
        } catch (SQLException e) {
            throw PgErrors.wrap("incremental sync of " + table.name(), e);
        } finally {
            try {
                duck.close();
            } catch (SQLException ignored) {
                // nothing outlives a duplicated connection
            }
            drop(staged);
        }
    }

    private String fallbackReason(SourceTable table, Previous previous) {
        if (table.primaryKey().isEmpty()) {
            return table.name() + " has no primary key";
        }
        var watermark = table.column(settings.watermarkColumn());
        if (watermark.isEmpty()) {
            return table.name() + " has no watermark column " + settings.watermarkColumn();
        }
        if (!(watermark.get().type() instanceof PgType.Scalar s)
                || !(TEMPORAL.contains(s.name()) || INTEGRAL.contains(s.name()))) {
            return "watermark column " + settings.watermarkColumn() + " of " + table.name() + " has type "
                    + watermark.get().pgType() + "; use a timestamp, date or integer column";
        }
        if (previous == null || previous.columns() == null) {
            return table.name() + " has no previous successful sync";
        }
        if (!previous.liveTableExists()) {
            return "the DuckDB copy of " + table.name() + " is missing";
        }
        return null;
    }

    /**
     * How the columns changed since the previous sync.
     *
     * @param added the columns appended since (added in DuckDB and back-filled); empty when drift is set
     * @param drift why the table needs a full sync, naming each column and its change; null when none
     */
    record ColumnChanges(List<String> added, String drift) {}

    /**
     * Compares the stored signature (and, when both are known, the columns' {@code attnum}s) with the columns
     * now. By number, as change data capture does: a number gone is a dropped column, a number under a new name
     * a rename, a number with a new type a retyped column, and a name under a new number a column dropped and
     * added again (same name and type, new values, which the signature alone cannot tell). Without stored
     * numbers (a state written by an earlier version) columns are matched by name and position.
     *
     * @param before the stored {@link #signature}
     * @param numbersBefore the stored {@code attnum}s by name, null when unknown
     * @param numbersNow the {@code attnum}s now by name, null when unknown
     */
    static ColumnChanges columnChanges(
            TableName table,
            String before,
            Map<String, Integer> numbersBefore,
            List<ColumnMapping> mappings,
            Map<String, Integer> numbersNow) {
        String[] lines = before.isEmpty() ? new String[0] : before.split("\n", -1);
        Map<String, ColumnMapping> byName = new LinkedHashMap<>();
        mappings.forEach(m -> byName.put(m.name(), m));
        boolean numbered = numbersBefore != null && numbersNow != null;
        Map<Integer, ColumnMapping> byNumber = new LinkedHashMap<>();
        if (numbered) {
            for (ColumnMapping m : mappings) {
                Integer n = numbersNow.get(m.name());
                if (n == null) {
                    numbered = false; // the catalog changed between reading the columns and now
                    break;
                }
                byNumber.put(n, m);
            }
        }
        List<String> changes = new ArrayList<>();
        for (String line : lines) {
            String name = line.split("\t", -1)[0];
            Integer number = numbered ? numbersBefore.get(name) : null;
            ColumnMapping now = number != null ? byNumber.get(number) : byName.get(name);
            if (now == null) {
                if (number != null && byName.containsKey(name)) {
                    changes.add("column " + name + " was dropped and added again (its values are new)");
                } else {
                    changes.add("column " + name + (numbered ? " was dropped" : " was dropped or renamed"));
                }
                continue;
            }
            if (!now.name().equals(name)) {
                changes.add("column " + name + " was renamed to " + now.name());
            }
            if (!sameColumn(now.name() + line.substring(name.length()), now)) {
                String[] fields = line.split("\t", -1);
                String was = fields.length > 1 ? fields[1] : "?";
                changes.add(
                        was.equals(now.pgType())
                                ? "the type " + was + " of column " + now.name() + " changed (now DuckDB "
                                        + now.duckDbType() + ")"
                                : "column " + now.name() + " changed type from " + was + " to " + now.pgType());
            }
        }
        if (changes.isEmpty()) {
            // every stored column is still there, named and typed as before; new ones must follow them
            for (int i = 0; i < lines.length; i++) {
                String name = lines[i].split("\t", -1)[0];
                if (i >= mappings.size() || !mappings.get(i).name().equals(name)) {
                    changes.add("column " + name + " moved to another position (dropped and added again?)");
                    break;
                }
            }
        }
        if (!changes.isEmpty()) {
            return new ColumnChanges(
                    List.of(), "the columns of " + table + " changed in PostgreSQL: " + String.join("; ", changes));
        }
        List<String> added = new ArrayList<>();
        for (int i = lines.length; i < mappings.size(); i++) {
            added.add(mappings.get(i).name());
        }
        return new ColumnChanges(added, null);
    }

    private long apply(
            ReadSession session,
            SourceTable table,
            List<ColumnMapping> mappings,
            List<ColumnMapping> keyMappings,
            List<ColumnMapping> addedMappings,
            String changes,
            String keys,
            String backfill)
            throws SQLException {
        String live = table.name().quoted();
        String stagingSchema = CopyIngester.STAGING_SCHEMA + ".";
        long deleted = 0;
        try (Statement st = session.statement()) {
            for (ColumnMapping m : addedMappings) {
                st.execute("ALTER TABLE " + live + " ADD COLUMN " + TableName.quote(m.name()) + " " + m.duckDbType());
            }
            if (backfill != null) {
                StringBuilder set = new StringBuilder();
                for (ColumnMapping m : addedMappings) {
                    if (!set.isEmpty()) {
                        set.append(", ");
                    }
                    String q = TableName.quote(m.name());
                    set.append(q).append(" = ").append(m.castExpression("b." + q));
                }
                st.executeUpdate("UPDATE " + live + " AS l SET " + set + " FROM " + stagingSchema
                        + TableName.quote(backfill) + " AS b WHERE " + keyMatch(keyMappings, "l", "b"));
            }
            st.executeUpdate("DELETE FROM " + live + " AS l USING " + stagingSchema + TableName.quote(changes)
                    + " AS c WHERE " + keyMatch(keyMappings, "l", "c"));
            StringBuilder names = new StringBuilder();
            StringBuilder values = new StringBuilder();
            for (ColumnMapping m : mappings) {
                if (!names.isEmpty()) {
                    names.append(", ");
                    values.append(", ");
                }
                String q = TableName.quote(m.name());
                names.append(q);
                values.append(m.castExpression("c." + q));
            }
            String notDeleted = "";
            if (settings.softDeleteColumn() != null) {
                var soft = table.column(settings.softDeleteColumn());
                if (soft.isPresent()) {
                    String q = "c." + TableName.quote(soft.get().name());
                    notDeleted = soft.get().type() instanceof PgType.Scalar s
                                    && s.name().equals("bool")
                            ? " WHERE NOT coalesce(" + q + ", false)"
                            : " WHERE " + q + " IS NULL";
                }
            }
            st.executeUpdate("INSERT INTO " + live + " (" + names + ") SELECT " + values + " FROM " + stagingSchema
                    + TableName.quote(changes) + " AS c" + notDeleted);
            if (keys != null) {
                deleted = st.executeUpdate("DELETE FROM " + live + " AS l WHERE NOT EXISTS (SELECT 1 FROM "
                        + stagingSchema + TableName.quote(keys) + " AS k WHERE " + keyMatch(keyMappings, "l", "k")
                        + ")");
            }
        }
        return deleted;
    }

    private static String keyMatch(List<ColumnMapping> keys, String live, String staged) {
        StringBuilder sb = new StringBuilder();
        for (ColumnMapping k : keys) {
            if (!sb.isEmpty()) {
                sb.append(" AND ");
            }
            String q = TableName.quote(k.name());
            sb.append(live).append('.').append(q).append(" = ").append(k.castExpression(staged + "." + q));
        }
        return sb.toString();
    }

    private DuckDBConnection duplicate() {
        try {
            return engine.<DuckDBConnection>laneAsync(
                            session -> session.connection().duplicate())
                    .join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof DuckbridgeException d
                    ? d
                    : new DuckbridgeException(ErrorClass.INTERNAL, String.valueOf(e.getCause()), e);
        }
    }

    private void drop(List<String> staged) {
        if (staged.isEmpty()) {
            return;
        }
        try {
            engine.laneAsync(session -> {
                        try (Statement st = session.statement()) {
                            for (String s : staged) {
                                st.execute("DROP TABLE IF EXISTS " + CopyIngester.STAGING_SCHEMA + "."
                                        + TableName.quote(s));
                            }
                        }
                        return null;
                    })
                    .join();
        } catch (CompletionException e) {
            log.warn("dropping staging tables failed: {}", String.valueOf(e.getCause()));
        }
    }
}
