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

    /** What the previous successful sync of the table left (from the sync state). */
    public record Previous(String watermark, String columns, boolean liveTableExists) {}

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
            Map<String, Long> lossy) {
        static Outcome fallback(String reason) {
            return new Outcome(reason, 0, 0, 0, null, false, List.of(), Map.of());
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
     * @throws DuckbridgeException when PostgreSQL or DuckDB fail; DuckDB is unchanged then
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
        List<String> added = addedColumns(previous.columns(), mappings);
        if (added == null) {
            return Outcome.fallback("the columns of " + table.name() + " changed in PostgreSQL beyond added columns");
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
        try (Connection pg = source.connect()) {
            try (Statement st = pg.createStatement()) {
                st.execute(io.duckbridge.core.sync.snapshot.SourceSnapshot.SESSION_SETTINGS);
            }
            pg.setAutoCommit(false);
            pg.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
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
                        lossy);
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

    /** The names of columns appended since {@code previous}, or null for any other change. */
    static List<String> addedColumns(String previous, List<ColumnMapping> mappings) {
        String[] before = previous.isEmpty() ? new String[0] : previous.split("\n", -1);
        if (mappings.size() < before.length) {
            return null;
        }
        for (int i = 0; i < before.length; i++) {
            if (!sameColumn(before[i], mappings.get(i))) {
                return null;
            }
        }
        List<String> added = new ArrayList<>();
        for (int i = before.length; i < mappings.size(); i++) {
            added.add(mappings.get(i).name());
        }
        return added;
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
