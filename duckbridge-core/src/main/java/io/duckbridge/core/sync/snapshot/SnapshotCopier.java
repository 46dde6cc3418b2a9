package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.LeftoverTables;
import io.duckbridge.core.engine.LoadConnection;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.ForwardingJobContext;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.SourceTable;
import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.source.QueryCanceller;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a set of PostgreSQL tables into DuckDB from one {@link SourceSnapshot}.
 *
 * <p>Each table is read with {@code COPY (SELECT ...) TO STDOUT}; a table with more estimated rows than
 * {@link SnapshotSettings#rowsPerRange()} is split into ctid (page) ranges. A table the ingest table function
 * loads is read by one {@code INSERT} whose source runs on up to {@link SnapshotSettings#workers()} DuckDB threads,
 * each with its own PostgreSQL connection joined to the snapshot, taking one range after another
 * ({@link CopySource}); other tables' ranges are read in parallel by {@link SnapshotSettings#workers()} workers,
 * each with its own PostgreSQL connection and its own DuckDB connection ({@link DuckDbEngine#loadConnection}).
 * Either way rows are appended (DuckDB appends never conflict) into one staging table per table,
 * created next to the live table as {@value #STAGING_PREFIX}... with the load types. When every range of every
 * table is staged, one writer-lane transaction replaces all live tables — by renaming the staging table, or
 * with {@code CREATE OR REPLACE TABLE ... AS SELECT} casts where a type is staged as text — so readers see the
 * old tables or the new ones, never a partial one. If that
 * transaction fails, each table is retried in its own transaction so one bad table does not hold back the
 * others. A table that fails keeps its previous copy; its {@link TableLoad#error()} says why.
 *
 * <p>When the job is cancelled, the PostgreSQL statements of every reader connection are cancelled
 * ({@link QueryCanceller}) — a {@code COPY} waiting for a lock another session holds included — and the copy
 * ends CANCELLED within moments: the current ranges roll back and the staging tables are dropped.
 *
 * <p>Thread-safe: each {@link #copy} call owns its workers and connections and closes them before returning.
 */
public final class SnapshotCopier {
    private static final Logger log = LoggerFactory.getLogger(SnapshotCopier.class);
    /** How long a cancelled copy waits for its workers to roll back their current range. */
    private static final Duration WORKER_STOP_TIMEOUT = Duration.ofSeconds(30);

    private final DuckDbEngine engine;
    private final SnapshotSettings settings;

    public SnapshotCopier(DuckDbEngine engine, SnapshotSettings settings) {
        this.engine = engine;
        this.settings = settings;
    }

    /**
     * One table to copy.
     *
     * @param mappings the mappings of its columns, in table order
     * @param filter a PostgreSQL predicate rows must satisfy (e.g. not soft-deleted), or null for all rows
     * @param layout the live table's sort order (applied when the staging table replaces it) and ART indexes
     */
    public record TablePlan(SourceTable table, List<ColumnMapping> mappings, String filter, TableLayout layout) {
        public TablePlan {
            mappings = List.copyOf(mappings);
            layout = layout == null ? TableLayout.NONE : layout;
        }

        /** A plan that keeps load order and creates no index. */
        public TablePlan(SourceTable table, List<ColumnMapping> mappings, String filter) {
            this(table, mappings, filter, TableLayout.NONE);
        }
    }

    /** Work done inside the swap transaction for each replaced table, e.g. recording sync state. */
    @FunctionalInterface
    public interface SwapHook {
        void onSwap(ReadSession session, TableLoad load) throws Exception;
    }

    /** Staging tables live next to their live table (so the swap can rename them) under this prefix. */
    public static final String STAGING_PREFIX = "__duckbridge_staging_";

    /** Ranges of one table copied together: one range, or every range of a table the table function loads. */
    private record Task(int table, List<String> sqls) {}

    private static final class Progress {
        TableName staging;
        int ranges;
        /** Whether the table loads through the table function ({@link CopyIngester#appendVectors}). */
        boolean vectors;

        /** Rows of ranges committed to the staging table. */
        final AtomicLong rows = new AtomicLong();
        /** Rows read from PostgreSQL, also of ranges rolled back: how far the table got when it failed. */
        final AtomicLong read = new AtomicLong();
        /** The job's context, also counting the rows read into {@link #read}. */
        JobContext context;

        final AtomicLong bytes = new AtomicLong();
        final AtomicInteger remaining = new AtomicInteger();
        final AtomicReference<DuckbridgeException> error = new AtomicReference<>();
    }

    /**
     * Copies {@code plans} and replaces the live tables that copied completely.
     *
     * @param hook run in the swap transaction for each table (state rows commit with the data); may be null
     * @return one result per plan, in order
     */
    public List<TableLoad> copy(SourceSnapshot snapshot, List<TablePlan> plans, JobContext context, SwapHook hook) {
        String runId = LeftoverTables.newRunId();
        List<Progress> progress = new ArrayList<>();
        var tasks = new ConcurrentLinkedQueue<Task>();
        for (int t = 0; t < plans.size(); t++) {
            Progress p = new Progress();
            progress.add(p);
            p.staging = new TableName(plans.get(t).table().name().schema(), STAGING_PREFIX + runId + "_" + t);
            p.vectors = vectors(plans.get(t));
            p.context = new TableContext(context, p.read);
            List<String> ranges = ranges(plans.get(t).table());
            List<String> sqls = new ArrayList<>();
            for (String range : ranges) {
                sqls.add(copySql(plans.get(t), range));
            }
            if (p.vectors) {
                // one INSERT reads every range, on as many DuckDB threads as there are workers
                tasks.add(new Task(t, sqls));
            } else {
                for (String sql : sqls) {
                    tasks.add(new Task(t, List.of(sql)));
                }
            }
            p.ranges = ranges.size();
            p.remaining.set(ranges.size());
        }
        createStaging(plans, progress);
        long startNanos = System.nanoTime();
        int workers = Math.min(settings.workers(), Math.max(1, tasks.size()));
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread th = new Thread(r, "duckbridge-snapshot-" + threadNumber.incrementAndGet());
            th.setDaemon(true);
            return th;
        });
        // a COPY blocked in PostgreSQL (waiting for a lock, say) ends on the cancel of its statement, not on the
        // workers' interrupt
        try (QueryCanceller canceller = new QueryCanceller(context)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> work(snapshot, plans, progress, tasks, context, canceller)));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    // the job was cancelled: stop the workers, then drop what they staged, so a cancelled
                    // sync leaves neither a half-filled staging table nor a worker appending to a dropped one
                    pool.shutdownNow();
                    awaitWorkers(pool);
                    dropStaging(progress);
                    Thread.currentThread().interrupt();
                    throw new DuckbridgeException(ErrorClass.CANCELLED, "snapshot copy interrupted", e);
                } catch (java.util.concurrent.ExecutionException e) {
                    log.warn("a snapshot worker failed: {}", e.getCause().toString());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        List<TableLoad> loads = new ArrayList<>();
        for (int t = 0; t < plans.size(); t++) {
            Progress p = progress.get(t);
            DuckbridgeException error = p.error.get();
            if (error == null && p.remaining.get() > 0) {
                error = new DuckbridgeException(
                        ErrorClass.SOURCE_UNAVAILABLE,
                        p.remaining.get() + " range(s) were not copied because every worker lost PostgreSQL");
            }
            TableLoad load =
                    new TableLoad(plans.get(t).table().name(), p.rows.get(), p.bytes.get(), lossy(plans.get(t)), null);
            loads.add(error == null ? load : load.failed(describe(plans.get(t), p, error)));
        }
        long stagedNanos = System.nanoTime();
        try {
            loads = swap(plans, progress, loads, hook);
        } finally {
            dropStaging(progress);
        }
        log.info(
                "snapshot {}: {} table(s), {} range(s) staged by {} worker(s) in {} ms, replaced in {} ms",
                snapshot.name(),
                plans.size(),
                progress.stream().mapToInt(p -> p.ranges).sum(),
                workers,
                (stagedNanos - startNanos) / 1_000_000,
                (System.nanoTime() - stagedNanos) / 1_000_000);
        for (TableLoad load : loads) {
            if (load.succeeded()) {
                log.info("snapshot {}: {} rows, {} bytes", load.table(), load.rows(), load.bytes());
                load.lossy().forEach((column, count) -> {
                    if (count.count() > 0) {
                        log.warn(
                                "{}.{}: {} value(s) could not be kept exactly; {}",
                                load.table(),
                                column,
                                count.count(),
                                count.override());
                    }
                });
            } else {
                log.warn("snapshot {} failed: {}", load.table(), load.error().getMessage());
            }
        }
        return loads;
    }

    /** Whether {@code plan}'s table loads through the table function; logs why not when the settings ask for it. */
    private boolean vectors(TablePlan plan) {
        if (!settings.binaryCopy() || settings.ingest() != SnapshotSettings.Ingest.TABLE_FUNCTION) {
            return false;
        }
        if (CopyIngester.vectorsCover(plan.mappings())) {
            return true;
        }
        log.debug(
                "snapshot of {} loads through the appender: column(s) {} have no vector form",
                plan.table().name(),
                plan.mappings().stream()
                        .filter(m -> m.chunkColumn() == null)
                        .map(ColumnMapping::toString)
                        .toList());
        return false;
    }

    private static DuckbridgeException describe(TablePlan plan, Progress p, DuckbridgeException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("snapshot of ")) {
            return e;
        }
        return new DuckbridgeException(
                e.errorClass(),
                "snapshot of " + plan.table().name() + " failed after "
                        + String.format(Locale.ROOT, "%,d", p.read.get()) + " rows: " + e.getMessage(),
                e);
    }

    private void work(
            SourceSnapshot snapshot,
            List<TablePlan> plans,
            List<Progress> progress,
            ConcurrentLinkedQueue<Task> tasks,
            JobContext context,
            QueryCanceller canceller) {
        // each range (or each table the table function loads) is appended in one DuckDB transaction,
        // committed when complete and rolled back when it fails
        LoadConnection lease = engine.loadConnection();
        DuckDBConnection duck = lease.connection();
        int threads = lease.unordered() ? settings.workers() : 1;
        Connection pg = null;
        try {
            Task task;
            while ((task = tasks.poll()) != null) {
                Progress p = progress.get(task.table());
                if (p.error.get() != null) {
                    p.remaining.addAndGet(-task.sqls().size());
                    continue;
                }
                try {
                    if (context.cancelRequested() || Thread.currentThread().isInterrupted()) {
                        throw new DuckbridgeException(ErrorClass.CANCELLED, "the sync was cancelled");
                    }
                    List<ColumnMapping> mappings = plans.get(task.table()).mappings();
                    CopyIngester.Ingested done;
                    if (p.vectors) {
                        try (RangeStreams streams = new RangeStreams(snapshot, task.sqls(), canceller)) {
                            done = CopyIngester.appendVectors(streams, threads, mappings, duck, p.staging, p.context);
                        }
                    } else {
                        if (pg == null) {
                            pg = canceller.watch(snapshot.openReader());
                        }
                        String sql = task.sqls().get(0);
                        done = !settings.binaryCopy()
                                ? CopyIngester.append(pg, sql, mappings, duck, p.staging, p.context)
                                : CopyIngester.appendBinary(pg, sql, mappings, duck, p.staging, p.context);
                    }
                    commit(duck, p.staging);
                    p.rows.addAndGet(done.rows());
                    p.bytes.addAndGet(done.bytes());
                } catch (DuckbridgeException e) {
                    p.error.compareAndSet(null, e);
                    rollback(duck);
                    canceller.forget(pg);
                    SourceSnapshot.closeQuietly(pg); // its transaction is aborted or its connection is gone
                    pg = null;
                } catch (RuntimeException e) {
                    p.error.compareAndSet(null, new DuckbridgeException(ErrorClass.INTERNAL, e.toString(), e));
                    rollback(duck);
                    canceller.forget(pg);
                    SourceSnapshot.closeQuietly(pg);
                    pg = null;
                } finally {
                    p.remaining.addAndGet(-task.sqls().size());
                }
            }
        } finally {
            canceller.forget(pg);
            SourceSnapshot.closeQuietly(pg);
            lease.close();
        }
    }

    private static void commit(DuckDBConnection duck, TableName staging) {
        try {
            duck.commit();
        } catch (SQLException e) {
            throw io.duckbridge.core.error.DuckDbErrors.wrap("committing rows appended to " + staging, e);
        }
    }

    private static void rollback(DuckDBConnection duck) {
        try {
            duck.rollback();
        } catch (SQLException ignored) {
            // the staging table is dropped anyway; a failed rollback leaves nothing live behind
        }
    }

    /**
     * The ranges of one table for the table function: each DuckDB thread reading it gets its own PostgreSQL
     * connection joined to the snapshot and takes one range after another. Closing ends every connection it
     * opened (and with it any COPY still running after a failure); each is watched by the copy's canceller
     * while open.
     */
    private static final class RangeStreams implements CopySource.Streams, AutoCloseable {
        private final SourceSnapshot snapshot;
        private final ConcurrentLinkedQueue<String> sqls;
        private final QueryCanceller canceller;
        private final List<Connection> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean closed;

        RangeStreams(SourceSnapshot snapshot, List<String> sqls, QueryCanceller canceller) {
            this.snapshot = snapshot;
            this.sqls = new ConcurrentLinkedQueue<>(sqls);
            this.canceller = canceller;
        }

        @Override
        public CopyBinaryReader next(CopySource.Lane lane) {
            String sql = sqls.poll();
            if (sql == null || closed) {
                return null;
            }
            if (lane.pg == null) {
                lane.pg = canceller.watch(snapshot.openReader());
                opened.add(lane.pg);
            }
            return new CopyBinaryReader(CopyIngester.startCopy(lane.pg, sql));
        }

        @Override
        public void close() {
            closed = true;
            opened.forEach(canceller::forget);
            opened.forEach(SourceSnapshot::closeQuietly);
        }
    }

    /**
     * The job's context for the copy of one table: also counts the rows read into {@code read}, so a failure can
     * say how far the table got (rows read into a range that is then rolled back count too). Thread-safe.
     */
    private static final class TableContext extends ForwardingJobContext {
        private final AtomicLong read;

        TableContext(JobContext job, AtomicLong read) {
            super(job);
            this.read = read;
        }

        @Override
        public void advance(long delta) {
            read.addAndGet(delta);
            super.advance(delta);
        }
    }

    /** WHERE clauses of the ctid ranges of a table, or one empty clause for the whole table. */
    List<String> ranges(SourceTable table) {
        long pages = table.pages();
        long rows = table.estimatedRows();
        if (table.partitioned() || pages < 2 || rows <= settings.rowsPerRange()) {
            return List.of("");
        }
        long count = Math.min(pages, (rows + settings.rowsPerRange() - 1) / settings.rowsPerRange());
        long perRange = (pages + count - 1) / count;
        List<String> out = new ArrayList<>();
        for (long start = 0; start < pages; start += perRange) {
            long end = start + perRange;
            String lower = start == 0 ? null : "ctid >= '(" + start + ",0)'::tid";
            String upper = end >= pages ? null : "ctid < '(" + end + ",0)'::tid";
            if (lower == null && upper == null) {
                out.add("");
            } else if (lower == null) {
                out.add(" WHERE " + upper);
            } else if (upper == null) {
                out.add(" WHERE " + lower);
            } else {
                out.add(" WHERE " + lower + " AND " + upper);
            }
        }
        return out;
    }

    private String copySql(TablePlan plan, String where) {
        SourceTable t = plan.table();
        String select = settings.binaryCopy()
                ? CopyIngester.binarySelectList(plan.mappings())
                : CopyIngester.selectList(plan.mappings());
        if (plan.filter() != null && !plan.filter().isBlank()) {
            where = (where.isEmpty() ? " WHERE " : where + " AND ") + "(" + plan.filter() + ")";
        }
        return "COPY (SELECT " + select + " FROM " + (t.partitioned() ? "" : "ONLY ")
                + t.name().quoted() + where + ") TO STDOUT" + (settings.binaryCopy() ? " (FORMAT binary)" : "");
    }

    private static Map<String, TableLoad.LossyCount> lossy(TablePlan plan) {
        Map<String, TableLoad.LossyCount> out = new LinkedHashMap<>();
        for (ColumnMapping m : plan.mappings()) {
            if (m.lossy().count() > 0) {
                out.put(
                        m.name(),
                        new TableLoad.LossyCount(m.lossy().count(), m.lossy().override()));
            }
        }
        return out;
    }

    // ---- swap ------------------------------------------------------------------------------------

    private List<TableLoad> swap(List<TablePlan> plans, List<Progress> progress, List<TableLoad> loads, SwapHook hook) {
        List<Integer> ready = new ArrayList<>();
        for (int t = 0; t < loads.size(); t++) {
            if (loads.get(t).succeeded()) {
                ready.add(t);
            }
        }
        if (ready.isEmpty()) {
            return loads;
        }
        try {
            engine.write(session -> {
                for (int t : ready) {
                    replace(session, plans.get(t), progress.get(t).staging, loads.get(t), hook);
                }
                return null;
            });
            return loads;
        } catch (DuckbridgeException together) {
            if (ready.size() == 1) {
                return withError(loads, ready.get(0), together);
            }
            log.warn(
                    "replacing {} tables together failed ({}); replacing them one by one",
                    ready.size(),
                    together.getMessage());
        }
        List<TableLoad> out = new ArrayList<>(loads);
        for (int t : ready) {
            int table = t;
            try {
                engine.write(session -> {
                    replace(session, plans.get(table), progress.get(table).staging, loads.get(table), hook);
                    return null;
                });
            } catch (DuckbridgeException e) {
                out = withError(out, table, e);
            }
        }
        return out;
    }

    private static List<TableLoad> withError(List<TableLoad> loads, int index, DuckbridgeException e) {
        List<TableLoad> out = new ArrayList<>(loads);
        TableLoad load = loads.get(index);
        out.set(
                index,
                load.failed(new DuckbridgeException(
                        e.errorClass(), "replacing " + load.table() + " in DuckDB failed: " + e.getMessage(), e)));
        return out;
    }

    private static void replace(ReadSession session, TablePlan plan, TableName staging, TableLoad load, SwapHook hook)
            throws Exception {
        TableName name = plan.table().name();
        try (Statement st = session.statement()) {
            if (!plan.layout().sortColumns().isEmpty()
                    || plan.mappings().stream().anyMatch(ColumnMapping::needsCast)) {
                // a copy in sort order (zone maps of the live table then prune range scans), with any casts
                st.execute(replaceSql(name, plan.mappings(), staging) + TableOptimizer.orderBy(plan.layout()));
            } else {
                // the staging table already has the live types: the swap is a rename, no copy
                st.execute("DROP TABLE IF EXISTS " + name.quoted());
                st.execute("ALTER TABLE " + staging.quoted() + " RENAME TO " + TableName.quote(name.name()));
            }
        }
        TableOptimizer.createIndexes(session, name, plan.layout());
        if (hook != null) {
            hook.onSwap(session, load);
        }
    }

    /** {@code CREATE OR REPLACE TABLE live AS SELECT <casts> FROM staging}. */
    public static String replaceSql(TableName name, List<ColumnMapping> mappings, TableName staging) {
        StringBuilder select = new StringBuilder();
        for (ColumnMapping m : mappings) {
            if (!select.isEmpty()) {
                select.append(", ");
            }
            String q = TableName.quote(m.name());
            select.append(m.castExpression(q)).append(" AS ").append(q);
        }
        return "CREATE OR REPLACE TABLE " + name.quoted() + " AS SELECT " + select + " FROM " + staging.quoted();
    }

    private void createStaging(List<TablePlan> plans, List<Progress> progress) {
        try {
            engine.laneAsync(session -> {
                        if (progress.stream().anyMatch(p -> p.vectors)) {
                            CopySource.register(session.connection());
                        }
                        for (int t = 0; t < plans.size(); t++) {
                            TableName staging = progress.get(t).staging;
                            TableName table = plans.get(t).table().name();
                            if (plans.get(t).mappings().isEmpty()) {
                                progress.get(t).error.set(noColumns(table));
                                continue;
                            }
                            // a statement of its own per table: the driver closes one whose statement failed, and
                            // every later table then failed with "Statement was closed"
                            try (Statement st = session.statement()) {
                                st.execute("CREATE SCHEMA IF NOT EXISTS " + TableName.quote(staging.schema()));
                                st.execute(CopyIngester.createTable(
                                        staging, plans.get(t).mappings()));
                            } catch (SQLException e) {
                                // this table fails (its ranges are skipped); the others are still copied. DuckDB
                                // refusing the DDL Duckbridge wrote is not the caller's SQL: CONVERSION, naming it
                                DuckbridgeException cause = io.duckbridge.core.error.DuckDbErrors.wrap(
                                        "creating the staging table of " + table, e);
                                progress.get(t)
                                        .error
                                        .set(new DuckbridgeException(
                                                ErrorClass.CONVERSION,
                                                table + " cannot be created in DuckDB with the mapped column types ("
                                                        + cause.getMessage() + "); exclude it with"
                                                        + " duckbridge.sync.exclude, or change its column types",
                                                cause));
                            }
                        }
                        return null;
                    })
                    .join();
        } catch (CompletionException e) {
            dropStaging(progress);
            throw e.getCause() instanceof DuckbridgeException d
                    ? d
                    : new DuckbridgeException(ErrorClass.INTERNAL, String.valueOf(e.getCause()), e);
        }
    }

    /** CONVERSION: DuckDB tables need a column, PostgreSQL's need none. */
    static DuckbridgeException noColumns(TableName table) {
        return new DuckbridgeException(
                ErrorClass.CONVERSION,
                table + " has no columns in PostgreSQL, and a DuckDB table needs at least one; exclude it with"
                        + " duckbridge.sync.exclude");
    }

    /**
     * Drops the staging tables of loads whose process died before they ended (a snapshot's
     * {@value #STAGING_PREFIX}... tables, anything in {@value CopyIngester#STAGING_SCHEMA}); every range a
     * killed load committed stays in them otherwise. This process's own loads are not touched (see
     * {@link LeftoverTables}). Logs what it dropped, or why it could not, instead of failing.
     */
    public static void dropLeftoverStaging(DuckDbEngine engine) {
        LeftoverTables.dropQuietly(engine, STAGING_PREFIX, CopyIngester.STAGING_SCHEMA, "an interrupted sync");
    }

    /**
     * Waits (bounded) for interrupted workers to end their current range, which they roll back. Called with the
     * interrupt already consumed; a second interrupt ends the wait early.
     */
    private static void awaitWorkers(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(WORKER_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "snapshot workers still running {} s after the cancel; dropping their staging tables anyway",
                        WORKER_STOP_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException again) {
            Thread.currentThread().interrupt();
        }
    }

    private void dropStaging(List<Progress> progress) {
        try {
            engine.laneAsync(session -> {
                        try (Statement st = session.statement()) {
                            for (Progress p : progress) {
                                if (p.staging != null) {
                                    st.execute("DROP TABLE IF EXISTS " + p.staging.quoted());
                                }
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
