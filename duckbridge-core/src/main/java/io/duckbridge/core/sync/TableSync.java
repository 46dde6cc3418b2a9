package io.duckbridge.core.sync;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobFailure;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.schema.CatalogReader;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.PgErrors;
import io.duckbridge.core.schema.PgType;
import io.duckbridge.core.schema.SourceColumn;
import io.duckbridge.core.schema.SourceTable;
import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.source.QueryCanceller;
import io.duckbridge.core.sync.incremental.IncrementalSync;
import io.duckbridge.core.sync.incremental.TableIdentity;
import io.duckbridge.core.sync.incremental.WatermarkText;
import io.duckbridge.core.sync.snapshot.CopyIngester;
import io.duckbridge.core.sync.snapshot.SnapshotCopier;
import io.duckbridge.core.sync.snapshot.SourceSnapshot;
import io.duckbridge.core.sync.snapshot.TableLoad;
import io.duckbridge.core.sync.snapshot.TableOptimizer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Syncs PostgreSQL tables into DuckDB: full snapshots ({@link SnapshotCopier}), incremental runs
 * ({@link IncrementalSync}, falling back to full with a logged reason), sync state in
 * {@code duckbridge.sync_state}, and jobs with progress in rows (estimated from {@code pg_class.reltuples}).
 * Also answers what is in DuckDB ({@link #listTables()}, {@link #describe}). Thread-safe; runs of the same
 * table should not overlap (the job runner serialises them when it has one worker per kind, otherwise the
 * later swap wins).
 */
public final class TableSync {
    private static final Logger log = LoggerFactory.getLogger(TableSync.class);
    private volatile Predicate<TableName> streamed = t -> false;

    private final DuckDbEngine engine;
    private final Supplier<PostgresSource> source;
    private final JobRunner jobs;
    private final SyncSettings settings;
    private final SyncStateStore states;
    private final CatalogReader catalog = new CatalogReader();
    /** The job lane of sync jobs: they run one after another, and one that waits holds no worker. */
    static final String SYNC_LANE = "sync";

    /** Held by the running sync ({@link #run}); fair, so syncs run in the order they began waiting. */
    private final ReentrantLock turn = new ReentrantLock(true);

    /**
     * Creates the sync feature on {@code engine} and drops the staging tables a killed sync left in the database
     * (a sync or CDC snapshot of this process keeps its own, see {@link SnapshotCopier#dropLeftoverStaging}).
     *
     * @param source the PostgreSQL to read; a supplier so the service can start while no source is configured
     *     (a sync then fails with SOURCE_UNAVAILABLE); it may return null
     * @param jobs where {@link #submit} runs syncs; may be null when only {@link #run} is used
     */
    public TableSync(DuckDbEngine engine, Supplier<PostgresSource> source, JobRunner jobs, SyncSettings settings) {
        this.engine = engine;
        this.source = source;
        this.jobs = jobs;
        this.settings = settings;
        this.states = new SyncStateStore(engine);
        SnapshotCopier.dropLeftoverStaging(engine);
    }

    public TableSync(DuckDbEngine engine, PostgresSource source, JobRunner jobs, SyncSettings settings) {
        this(engine, () -> source, jobs, settings);
    }

    public SyncSettings settings() {
        return settings;
    }

    public SyncStateStore states() {
        return states;
    }

    private PostgresSource source() {
        PostgresSource s = source.get();
        if (s == null) {
            throw new DuckbridgeException(
                    ErrorClass.SOURCE_UNAVAILABLE, "no source PostgreSQL is configured (duckbridge.postgres.url)");
        }
        return s;
    }

    /** The selected PostgreSQL tables. */
    public List<SourceTable> sourceTables() {
        try (Connection c = source().connect()) {
            return catalog.read(c, settings.tables());
        } catch (SQLException e) {
            throw PgErrors.wrap("reading the PostgreSQL catalog", e);
        }
    }

    /**
     * Submits a sync job.
     *
     * @param table the table, or null for every selected table
     */
    public Job submit(TableName table, SyncMode mode) {
        return submit(table == null ? null : List.of(table), mode);
    }

    /** Submits one sync job over every configured table. */
    public Job submitAll(SyncMode mode) {
        return submit((List<TableName>) null, mode);
    }

    /**
     * Submits one sync job over {@code tables} (every configured table when null): a full sync copies them all
     * from one PostgreSQL snapshot, as a sync of every table does.
     */
    public Job submit(List<TableName> tables, SyncMode mode) {
        if (jobs == null) {
            throw new DuckbridgeException(ErrorClass.INTERNAL, "this TableSync has no job runner");
        }
        if (tables != null) {
            tables.forEach(this::refuseIfStreamed);
        }
        // a table named twice is synced once
        List<TableName> list = tables == null ? null : List.copyOf(new java.util.LinkedHashSet<>(tables));
        String what = list == null
                ? "all tables"
                : String.join(", ", list.stream().map(TableName::toString).toList());
        // one sync at a time (see run); a sync waiting for its turn stays queued without holding a job worker
        return jobs.submit(
                JobKind.SYNC, "sync " + what + " (" + mode.wireName() + ")", SYNC_LANE, ctx -> run(list, mode, ctx));
    }

    /**
     * Submits an optimize job: rewrites the live DuckDB copy of {@code table} in its configured sort order and
     * recreates its ART indexes (see {@link TableOptimizer}), through the writer lane.
     *
     * @throws DuckbridgeException INVALID_REQUEST when the table has no configured layout
     */
    public Job submitOptimize(TableName table) {
        if (jobs == null) {
            throw new DuckbridgeException(ErrorClass.INTERNAL, "this TableSync has no job runner");
        }
        TableLayout layout = requireLayout(table);
        return jobs.submit(
                JobKind.OPTIMIZE, "optimize " + table, ctx -> new TableOptimizer(engine).optimize(table, layout));
    }

    /**
     * Submits one optimize job over every table with a configured layout (the scheduled optimize,
     * {@code duckbridge.sync.schedule.optimize}): each is rewritten in its sort order with its indexes, one
     * writer-lane transaction per table, so readers never wait for more than one table at a time. Tables not
     * synced into DuckDB yet are skipped.
     *
     * @return a job whose result lists {@code tables} (each optimize's result), {@code skipped} and
     *     {@code failed} (table and reason); the job fails when any table failed, after trying every table
     */
    public Job submitOptimizeAll() {
        if (jobs == null) {
            throw new DuckbridgeException(ErrorClass.INTERNAL, "this TableSync has no job runner");
        }
        return jobs.submit(JobKind.OPTIMIZE, "optimize every table with a layout", this::optimizeAll);
    }

    private Map<String, Object> optimizeAll(JobContext context) {
        Map<TableName, TableLayout> laidOut = new LinkedHashMap<>();
        settings.layouts().forEach((table, layout) -> {
            if (!layout.isDefault()) {
                laidOut.put(table, layout);
            }
        });
        context.total(laidOut.size(), "tables");
        List<Map<String, Object>> optimized = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<Map<String, Object>> failed = new ArrayList<>();
        DuckbridgeException first = null;
        for (var entry : laidOut.entrySet()) {
            context.checkCancelled();
            try {
                optimized.add(new TableOptimizer(engine).optimize(entry.getKey(), entry.getValue()));
            } catch (DuckbridgeException e) {
                if (e.errorClass() == ErrorClass.NOT_FOUND) {
                    skipped.add(entry.getKey().toString());
                } else {
                    log.warn("optimizing {} failed: {}", entry.getKey(), e.getMessage());
                    failed.add(Map.of("table", entry.getKey().toString(), "error", e.getMessage()));
                    first = first == null ? e : first;
                }
            }
            context.advance(1);
        }
        if (first != null) {
            throw new DuckbridgeException(
                    first.errorClass(),
                    failed.size() + " of " + laidOut.size() + " table(s) could not be optimized; first: "
                            + first.getMessage(),
                    first);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("tables", optimized);
        result.put("skipped", skipped);
        result.put("failed", failed);
        return result;
    }

    /** Runs an optimize on the calling thread; see {@link #submitOptimize}. */
    public Map<String, Object> optimize(TableName table) {
        return new TableOptimizer(engine).optimize(table, requireLayout(table));
    }

    private TableLayout requireLayout(TableName table) {
        TableLayout layout = settings.layout(table);
        if (layout.isDefault()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    table + " has no layout to optimize for; set duckbridge.sync.layouts[" + table
                            + "].sort-columns (and optionally .indexes)");
        }
        return layout;
    }

    /**
     * Runs a sync on the calling thread.
     *
     * @param tables the tables, or null for every selected table
     * @return the job result: {@code mode}, {@code rows}, {@code bytes}, {@code tables} (one entry per table with
     *     its rows, lossy columns and any fallback reason)
     * @throws DuckbridgeException when any table failed (the others are replaced; failed ones keep their copy),
     *     NOT_FOUND for an unknown or unselected table
     */
    public Map<String, Object> run(List<TableName> tables, SyncMode mode, JobContext context) {
        // one sync at a time: two of the same table could otherwise finish in the other order, and the older
        // snapshot (or an incremental read before a newer full copy) would replace the newer copy. The next one
        // reads PostgreSQL only after the running one has committed, so it is always the newer.
        awaitTurn(context);
        try {
            return runAlone(tables, mode, context);
        } finally {
            turn.unlock();
        }
    }

    private void awaitTurn(JobContext context) {
        try {
            if (turn.tryLock()) {
                return;
            }
            log.info("sync job {} waits for the running sync to finish", context.jobId());
            while (!turn.tryLock(500, TimeUnit.MILLISECONDS)) {
                context.checkCancelled();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(
                    ErrorClass.CANCELLED, "the sync was interrupted while waiting for another", e);
        }
    }

    private Map<String, Object> runAlone(List<TableName> tables, SyncMode mode, JobContext context) {
        PostgresSource pg = source();
        Resolved resolved = resolve(pg, tables);
        if (tables == null && resolved.selectedNames().isEmpty()) {
            // most likely a typo in a glob: say so instead of a silent success with no tables
            log.warn(
                    "no PostgreSQL table matches duckbridge.sync.include {} (exclude {}); this sync copies nothing",
                    settings.tables().include(),
                    settings.tables().exclude());
        }
        List<SourceTable> selected = new ArrayList<>(resolved.tables());
        context.total(selected.stream().mapToLong(SourceTable::estimatedRows).sum(), "rows");
        List<Map<String, Object>> results = new ArrayList<>();
        List<DuckbridgeException> failures = new ArrayList<>();
        refuseNameClashes(selected, resolved.selectedNames(), mode, context, results, failures);
        List<SourceTable> full = new ArrayList<>();
        Map<TableName, String> fallbackReasons = new LinkedHashMap<>();
        if (mode == SyncMode.INCREMENTAL) {
            var incremental = new IncrementalSync(engine, settings.incremental());
            for (SourceTable table : selected) {
                context.checkCancelled();
                Optional<SyncState> previous = states.find(table.name());
                runIncremental(pg, incremental, table, previous, context, results, failures, full, fallbackReasons);
            }
        } else {
            full.addAll(selected);
        }
        if (!full.isEmpty()) {
            runFull(pg, full, context, results, failures, fallbackReasons);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        long rows = results.stream().mapToLong(r -> (Long) r.get("rows")).sum();
        result.put("mode", mode.wireName());
        result.put("rows", rows);
        result.put(
                "bytes", results.stream().mapToLong(r -> (Long) r.get("bytes")).sum());
        result.put("tables", results);
        if (!failures.isEmpty()) {
            DuckbridgeException first = failures.get(0);
            String message = failures.size() == 1
                    ? first.getMessage()
                    : failures.size() + " tables failed; first: " + first.getMessage();
            // the tables that did sync stay synced: the failed job's result says which, and how each ended
            throw new JobFailure(first.errorClass(), message, first, result);
        }
        // the estimate (pg_class.reltuples, the whole table even for an incremental sync) gives way to what
        // was copied, so a finished job does not read "1 of 1,000,000 rows"; a failed or cancelled one keeps
        // it, so its progress still says how far it got
        context.total(rows, "rows");
        return result;
    }

    /**
     * Tables a running change stream keeps current are left to it: a sync of one of them is refused, and a
     * sync of every table skips them (the stream copies a table again itself when it must).
     *
     * @param streamed whether a table is kept current by a running stream; null for none
     */
    public void leaveToChangeCapture(Predicate<TableName> streamed) {
        this.streamed = streamed == null ? t -> false : streamed;
    }

    private void refuseIfStreamed(TableName table) {
        if (streamed.test(table)) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    table + " is kept current by change data capture, which a sync from a snapshot of its own would"
                            + " race; it needs no sync while CDC runs (to copy it again anyway: POST /api/v1/cdc/stop,"
                            + " sync it, then POST /api/v1/cdc/start, which copies it once more from its own"
                            + " snapshot)");
        }
    }

    /**
     * Fails (and leaves out of {@code selected}) each table DuckDB cannot hold as PostgreSQL names it: one that
     * would share its DuckDB table with another selected table, or one with columns differing only in case
     * ({@link NameClashes}). Nothing of theirs is written; the run's other tables sync.
     */
    private void refuseNameClashes(
            List<SourceTable> selected,
            List<TableName> selectedNames,
            SyncMode mode,
            JobContext context,
            List<Map<String, Object>> results,
            List<DuckbridgeException> failures) {
        Instant started = Instant.now();
        Map<TableName, DuckbridgeException> clashes = NameClashes.tableClashes(selected, selectedNames);
        for (SourceTable t : selected) {
            DuckbridgeException columns = NameClashes.columnClash(t);
            if (columns != null) {
                clashes.putIfAbsent(t.name(), columns);
            }
        }
        if (clashes.isEmpty()) {
            return;
        }
        selected.removeIf(t -> clashes.containsKey(t.name()));
        clashes.forEach((table, e) -> {
            log.warn("not syncing {}: {}", table, e.getMessage());
            recordFailure(table, mode, started, states.find(table).orElse(null), e, context);
            results.add(failedResult(table, mode, e, context));
            failures.add(e);
        });
    }

    /** The tables of a run, and the names of every table the settings select (to find names DuckDB confuses). */
    private record Resolved(List<SourceTable> tables, List<TableName> selectedNames) {}

    private Resolved resolve(PostgresSource pg, List<TableName> tables) {
        try (Connection c = pg.connect()) {
            if (tables == null) {
                List<SourceTable> all = new ArrayList<>(catalog.read(c, settings.tables()));
                List<TableName> names = all.stream().map(SourceTable::name).toList();
                List<TableName> skipped = new ArrayList<>();
                all.removeIf(t -> streamed.test(t.name()) && skipped.add(t.name()));
                if (!skipped.isEmpty()) {
                    log.info("not syncing {}: change data capture keeps them current", skipped);
                }
                return new Resolved(all, names);
            }
            List<SourceTable> out = new ArrayList<>();
            for (TableName name : tables) {
                refuseIfStreamed(name);
                if (!settings.tables().selects(name)) {
                    throw new DuckbridgeException(
                            ErrorClass.NOT_FOUND,
                            name + " is not selected for sync by duckbridge.sync.include/exclude");
                }
                out.add(catalog.read(c, name)
                        .orElseThrow(() ->
                                new DuckbridgeException(ErrorClass.NOT_FOUND, "PostgreSQL has no table " + name)));
            }
            return new Resolved(out, catalog.names(c, settings.tables()));
        } catch (SQLException e) {
            throw PgErrors.wrap("reading the PostgreSQL catalog", e);
        }
    }

    private void runIncremental(
            PostgresSource pg,
            IncrementalSync incremental,
            SourceTable table,
            Optional<SyncState> previous,
            JobContext context,
            List<Map<String, Object>> results,
            List<DuckbridgeException> failures,
            List<SourceTable> full,
            Map<TableName, String> fallbackReasons) {
        Instant started = Instant.now();
        List<ColumnMapping> mappings = settings.mapping().map(table);
        SyncState before = previous.filter(s -> "succeeded".equals(s.status()) || s.columns() != null)
                .orElse(null);
        var prev = before == null
                ? null
                : new IncrementalSync.Previous(
                        before.watermark(), before.columns(), before.identity(), exists(table.name()));
        int runs = before == null ? 0 : before.incrementalRuns();
        int every = settings.incremental().reconcileEvery();
        boolean reconcile = every > 0 && runs + 1 >= every;
        try {
            var outcome = incremental.run(pg, table, mappings, prev, reconcile, context, (session, o) -> {
                SyncStateStore.save(
                        session,
                        new SyncState(
                                table.name(),
                                SyncMode.INCREMENTAL.wireName(),
                                started,
                                Instant.now(),
                                o.rows(),
                                o.bytes(),
                                o.watermark(),
                                null,
                                "succeeded",
                                null,
                                o.lossy(),
                                IncrementalSync.signature(mappings),
                                o.reconciled() ? 0 : runs + 1,
                                o.identity()));
                forgetCapture(session, table.name());
            });
            if (!outcome.appliedIncrementally()) {
                log.info(
                        "incremental sync of {} falls back to a full sync: {}", table.name(), outcome.fallbackReason());
                fallbackReasons.put(table.name(), outcome.fallbackReason());
                full.add(table);
                return;
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("table", table.name().key());
            r.put("mode", SyncMode.INCREMENTAL.wireName());
            r.put("status", "succeeded");
            r.put("rows", outcome.rows());
            r.put("bytes", outcome.bytes());
            r.put("deleted", outcome.deleted());
            r.put("watermark", outcome.watermark());
            r.put("reconciled", outcome.reconciled());
            r.put("addedColumns", outcome.addedColumns());
            r.put("lossy", lossyView(mappings));
            results.add(r);
        } catch (DuckbridgeException e) {
            DuckbridgeException wrapped = e.withContext("incremental sync of " + table.name() + " failed");
            failures.add(wrapped);
            recordFailure(table.name(), SyncMode.INCREMENTAL, started, before, wrapped, context);
            results.add(failedResult(table.name(), SyncMode.INCREMENTAL, wrapped, context));
        }
    }

    private void runFull(
            PostgresSource pg,
            List<SourceTable> tables,
            JobContext context,
            List<Map<String, Object>> results,
            List<DuckbridgeException> failures,
            Map<TableName, String> fallbackReasons) {
        Instant started = Instant.now();
        Map<TableName, SyncState> previous = states.all();
        Set<TableName> rejected = new HashSet<>();
        try (SourceSnapshot snapshot = SourceSnapshot.export(pg)) {
            List<SnapshotCopier.TablePlan> plans = new ArrayList<>();
            for (SourceTable t : tables) {
                TableLayout layout = settings.layout(t.name());
                try {
                    TableOptimizer.check(
                            t.name(),
                            layout,
                            t.columns().stream().map(SourceColumn::name).toList());
                } catch (DuckbridgeException e) {
                    // a layout naming a missing column fails its own table only; the others still sync
                    recordFailure(t.name(), SyncMode.FULL, started, previous.get(t.name()), e, context);
                    results.add(failedResult(t.name(), SyncMode.FULL, e, context));
                    failures.add(e);
                    rejected.add(t.name());
                    continue;
                }
                plans.add(new SnapshotCopier.TablePlan(t, settings.mapping().map(t), softDeleteFilter(t), layout));
            }
            if (plans.isEmpty()) {
                return;
            }
            Map<TableName, String> watermarks = watermarks(snapshot, plans, context);
            Map<TableName, String> identities = identities(snapshot, plans);
            var copier = new SnapshotCopier(engine, settings.snapshot());
            Map<TableName, List<ColumnMapping>> mappingsByTable = new LinkedHashMap<>();
            plans.forEach(p -> mappingsByTable.put(p.table().name(), p.mappings()));
            List<TableLoad> loads = copier.copy(snapshot, plans, context, (session, load) -> {
                Map<String, Long> lossy = new LinkedHashMap<>();
                load.lossy().forEach((c, v) -> lossy.put(c, v.count()));
                SyncStateStore.save(
                        session,
                        new SyncState(
                                load.table(),
                                SyncMode.FULL.wireName(),
                                started,
                                Instant.now(),
                                load.rows(),
                                load.bytes(),
                                watermarks.containsKey(load.table())
                                        ? watermarks.get(load.table())
                                        : copiedWatermark(session, load.table(), mappingsByTable, snapshot.time()),
                                snapshot.name(),
                                "succeeded",
                                null,
                                lossy,
                                IncrementalSync.signature(mappingsByTable.get(load.table())),
                                0,
                                identities.get(load.table())));
                forgetCapture(session, load.table());
            });
            for (TableLoad load : loads) {
                if (load.succeeded()) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("table", load.table().key());
                    r.put("mode", SyncMode.FULL.wireName());
                    r.put("status", "succeeded");
                    r.put("rows", load.rows());
                    r.put("bytes", load.bytes());
                    r.put("snapshot", snapshot.name());
                    Map<String, Object> lossy = new LinkedHashMap<>();
                    load.lossy().forEach((c, v) -> lossy.put(c, Map.of("count", v.count(), "override", v.override())));
                    r.put("lossy", lossy);
                    if (fallbackReasons.containsKey(load.table())) {
                        r.put("fallbackReason", fallbackReasons.get(load.table()));
                    }
                    results.add(r);
                } else {
                    failures.add(load.error());
                    recordFailure(
                            load.table(), SyncMode.FULL, started, previous.get(load.table()), load.error(), context);
                    results.add(failedResult(load.table(), SyncMode.FULL, load.error(), context));
                }
            }
        } catch (DuckbridgeException e) {
            for (SourceTable t : tables) {
                if (rejected.contains(t.name())) {
                    continue; // already failed with its own reason
                }
                recordFailure(t.name(), SyncMode.FULL, started, previous.get(t.name()), e, context);
                results.add(failedResult(t.name(), SyncMode.FULL, e, context));
            }
            failures.add(e);
        }
    }

    private String softDeleteFilter(SourceTable table) {
        String column = settings.incremental().softDeleteColumn();
        if (column == null) {
            return null;
        }
        return table.column(column)
                .map(c -> c.type() instanceof PgType.Scalar s && s.name().equals("bool")
                        ? "NOT coalesce(" + TableName.quote(c.name()) + ", false)"
                        : TableName.quote(c.name()) + " IS NULL")
                .orElse(null);
    }

    /** The mapping of the watermark column among {@code mappings}, if the table has one. */
    private Optional<ColumnMapping> watermarkMapping(List<ColumnMapping> mappings) {
        String column = settings.incremental().watermarkColumn();
        return mappings.stream().filter(m -> m.name().equals(column)).findFirst();
    }

    /**
     * The watermark of a table just replaced, read from its new DuckDB copy inside the swap transaction
     * ({@link WatermarkText}, not beyond the snapshot's time {@code now}); null when the table has no watermark
     * column.
     */
    private String copiedWatermark(
            io.duckbridge.core.engine.ReadSession session,
            TableName table,
            Map<TableName, List<ColumnMapping>> mappingsByTable,
            Instant now)
            throws SQLException {
        Optional<ColumnMapping> watermark = watermarkMapping(mappingsByTable.get(table));
        return watermark.isEmpty() ? null : WatermarkText.read(session, table, watermark.get(), now);
    }

    /**
     * The watermarks PostgreSQL must compute (in the snapshot): of tables whose watermark column's DuckDB copy
     * does not keep its values exactly; the others are read from the copy when it replaces the live table.
     */
    private Map<TableName, String> watermarks(
            SourceSnapshot snapshot, List<SnapshotCopier.TablePlan> plans, JobContext context) {
        Map<TableName, String> out = new LinkedHashMap<>();
        Map<TableName, SourceColumn> fromSource = new LinkedHashMap<>();
        for (SnapshotCopier.TablePlan p : plans) {
            watermarkMapping(p.mappings())
                    .filter(m -> !WatermarkText.readable(m))
                    .flatMap(m -> p.table().column(m.name()))
                    .ifPresent(column -> fromSource.put(p.table().name(), column));
        }
        if (fromSource.isEmpty()) {
            return out;
        }
        // max(...) waits for a lock another session holds on the table, as the copy does: a cancel ends it
        try (QueryCanceller canceller = new QueryCanceller(context);
                Connection c = canceller.watch(snapshot.openReader())) {
            for (var e : fromSource.entrySet()) {
                SourceColumn column = e.getValue();
                out.put(
                        e.getKey(),
                        WatermarkText.fromSource(c, e.getKey(), column.name(), WatermarkText.horizon(column.type())));
            }
            c.rollback();
        } catch (SQLException e) {
            throw PgErrors.wrap("reading watermarks", e);
        }
        return out;
    }

    /**
     * What each table is in the snapshot ({@link TableIdentity}, encoded), stored with its state so the next
     * incremental run sees whether it was re-created, truncated or rewritten, or had a column added again.
     */
    private static Map<TableName, String> identities(SourceSnapshot snapshot, List<SnapshotCopier.TablePlan> plans) {
        Map<TableName, String> out = new LinkedHashMap<>();
        try (Connection c = snapshot.openReader()) {
            for (SnapshotCopier.TablePlan p : plans) {
                TableIdentity identity = TableIdentity.read(c, p.table().name());
                if (identity != null) {
                    out.put(p.table().name(), identity.encode());
                }
            }
            c.rollback();
        } catch (SQLException e) {
            throw PgErrors.wrap("reading table identities", e);
        }
        return out;
    }

    /**
     * Records in {@code sync_state} how a run of {@code table} ended that did not replace its copy:
     * {@code failed} with the reason, or {@code cancelled} when the job was cancelled (or PostgreSQL cancelled its
     * statement). The previous run's watermark, snapshot and columns stay, so the next incremental run continues
     * from the copy DuckDB still has. A cancelled job's interrupt is set aside while the row is written, and
     * restored after: the cancel stops the copy, not the record of how it ended.
     */
    private void recordFailure(
            TableName table,
            SyncMode mode,
            Instant started,
            SyncState previous,
            DuckbridgeException e,
            JobContext context) {
        boolean interrupted = Thread.interrupted();
        try {
            states.save(new SyncState(
                    table,
                    mode.wireName(),
                    started,
                    Instant.now(),
                    0,
                    0,
                    previous == null ? null : previous.watermark(),
                    previous == null ? null : previous.snapshot(),
                    ended(e, context),
                    context.cancelRequested() ? "job " + context.jobId() + " was cancelled" : e.getMessage(),
                    Map.of(),
                    previous == null ? null : previous.columns(),
                    previous == null ? 0 : previous.incrementalRuns(),
                    previous == null ? null : previous.identity()));
        } catch (DuckbridgeException stateFailure) {
            log.warn("recording the {} sync of {} failed: {}", ended(e, context), table, stateFailure.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code cancelled} for a run the job's cancel (or PostgreSQL's) ended, {@code failed} otherwise. */
    private static String ended(DuckbridgeException e, JobContext context) {
        return context.cancelRequested() || e.errorClass() == ErrorClass.CANCELLED ? "cancelled" : "failed";
    }

    private static Map<String, Object> failedResult(
            TableName table, SyncMode mode, DuckbridgeException e, JobContext context) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("table", table.key());
        r.put("mode", mode.wireName());
        r.put("status", ended(e, context));
        r.put("rows", 0L);
        r.put("bytes", 0L);
        r.put("errorClass", e.errorClass().name());
        r.put("error", e.getMessage());
        return r;
    }

    private static Map<String, Object> lossyView(List<ColumnMapping> mappings) {
        Map<String, Object> lossy = new LinkedHashMap<>();
        for (ColumnMapping m : mappings) {
            if (m.lossy().count() > 0) {
                lossy.put(
                        m.name(),
                        Map.of("count", m.lossy().count(), "override", m.lossy().override()));
            }
        }
        return lossy;
    }

    /** Whether DuckDB has {@code table}. */
    public boolean exists(TableName table) {
        return engine.read(session -> session.tableExists(table.schema(), table.name()));
    }

    // ---- what is in DuckDB ---------------------------------------------------------------------

    /**
     * Makes change data capture copy {@code table} again from its own snapshot on its next start: a sync
     * replaces or merges the table from a snapshot of its own, whose position CDC does not know, so replaying
     * the slot's changes on top of it would apply some twice. Runs in the sync's lane transaction; does nothing
     * when CDC never ran (no {@code duckbridge.cdc_tables}) or does not capture the table.
     */
    static void forgetCapture(ReadSession session, TableName table) throws SQLException {
        if (!session.tableExists("duckbridge", "cdc_tables")) {
            return;
        }
        try (PreparedStatement ps = session.prepare("DELETE FROM duckbridge.cdc_tables WHERE source_table = ?")) {
            ps.setString(1, table.schema() + "." + table.name());
            if (ps.executeUpdate() > 0) {
                log.info("{} was synced outside change data capture; CDC copies it again when it next starts", table);
            }
        }
    }

    /**
     * The {@code duckdb_tables()} condition for the tables that are the user's: not DuckDB's own, not
     * Duckbridge's state, not a running sync's staging ({@link #listTables} lists them, the seed health counts
     * them).
     */
    public static final String USER_TABLES = "NOT internal AND database_name = current_database()"
            + " AND schema_name NOT IN ('duckbridge', '" + CopyIngester.STAGING_SCHEMA + "')"
            + " AND NOT starts_with(table_name, '" + SnapshotCopier.STAGING_PREFIX + "')";

    /**
     * The user tables in DuckDB: {@code schema}, {@code name}, {@code rowCount}, {@code source}
     * ({@code pg schema.table} when synced) and {@code lastSync} (the sync state, or null).
     */
    public List<Map<String, Object>> listTables() {
        Map<TableName, SyncState> all = states.all();
        Map<String, String> captured = cdcSources();
        List<TableName> names = engine.read(session -> {
            List<TableName> out = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT schema_name, table_name FROM duckdb_tables() WHERE "
                            + USER_TABLES + " ORDER BY schema_name, table_name")) {
                while (rs.next()) {
                    out.add(new TableName(rs.getString(1), rs.getString(2)));
                }
            }
            return out;
        });
        List<Map<String, Object>> out = new ArrayList<>();
        for (TableName name : names) {
            SyncState state = all.get(name);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("schema", name.schema());
            m.put("name", name.name());
            m.put("rowCount", rowCount(name));
            m.put("source", source(name, state != null, captured));
            m.put("lastSync", state == null ? null : state.toMap());
            out.add(m);
        }
        return out;
    }

    /**
     * One table: {@code schema}, {@code name}, {@code rowCount}, {@code columns} (name, {@code duckdbType},
     * {@code postgresType}, nullable), {@code source}, {@code syncState} and {@code lossy}.
     *
     * @throws DuckbridgeException NOT_FOUND when DuckDB has no such table
     */
    public Map<String, Object> describe(TableName table) {
        List<Map<String, Object>> columns = engine.read(session -> {
            PreparedStatement ps = session.prepare("SELECT column_name, data_type, is_nullable FROM duckdb_columns()"
                    + " WHERE database_name = current_database() AND schema_name = ? AND table_name = ?"
                    + " ORDER BY column_index");
            ps.setString(1, table.schema());
            ps.setString(2, table.name());
            List<Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("name", rs.getString(1));
                    c.put("duckdbType", rs.getString(2));
                    c.put("nullable", rs.getBoolean(3));
                    out.add(c);
                }
            }
            return out;
        });
        if (columns.isEmpty()) {
            throw new DuckbridgeException(
                    ErrorClass.NOT_FOUND,
                    "DuckDB has no table " + table + "; sync it first with POST /api/v1/sync/" + table);
        }
        Optional<SyncState> state = states.find(table);
        Map<String, String> pgTypes = new LinkedHashMap<>();
        state.map(SyncState::columns).ifPresent(sig -> {
            for (String line : sig.split("\n")) {
                // name<TAB>pgType, then <TAB>duckDbType since signatures carry it
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    int end = line.indexOf('\t', tab + 1);
                    pgTypes.put(line.substring(0, tab), line.substring(tab + 1, end < 0 ? line.length() : end));
                }
            }
        });
        Map<String, String> captured = cdcSources();
        String cdcSource = captured.get(table.schema() + "." + table.name());
        if (state.isEmpty() && cdcSource != null) {
            // first copied by CDC, which keeps no sync state: the types as PostgreSQL names them now
            pgTypes.putAll(liveTypes(TableName.parse(cdcSource)));
        }
        columns.forEach(c -> c.put("postgresType", pgTypes.get((String) c.get("name"))));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", table.schema());
        m.put("name", table.name());
        m.put("rowCount", rowCount(table));
        m.put("source", source(table, state.isPresent(), captured));
        m.put("columns", columns);
        m.put("syncState", state.map(SyncState::toMap).orElse(null));
        m.put("lossy", state.map(SyncState::lossy).orElse(Map.of()));
        return m;
    }

    /**
     * Drops DuckDB's copy of {@code table} and, in the same transaction, its sync state and CDC's record of it
     * (so a later CDC start copies it afresh). For a table that left PostgreSQL, or one an import created.
     * PostgreSQL is not touched; a later sync that selects the table copies it again.
     *
     * @return {@code table} and the {@code rows} it held
     * @throws DuckbridgeException NOT_FOUND when DuckDB has no such table; INVALID_REQUEST for Duckbridge's own
     *     tables; CONFLICT while a sync runs or while change data capture keeps the table
     */
    public Map<String, Object> drop(TableName table) {
        if (!exists(table)) {
            throw new DuckbridgeException(ErrorClass.NOT_FOUND, "DuckDB has no table " + table);
        }
        if (!isUserTable(table)) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    table + " holds Duckbridge's own state or a running job's staging, not a copy; it cannot be"
                            + " dropped through the API");
        }
        if (streamed.test(table)) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    table + " is kept current by change data capture, which would write to it again; stop CDC first"
                            + " (POST /api/v1/cdc/stop)");
        }
        if (!turn.tryLock()) {
            // a sync could be writing this very table; waiting here could hold the request for minutes
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    "a sync is running; drop " + table + " when it has finished (GET /api/v1/jobs shows it)");
        }
        try {
            long rows = engine.write(session -> {
                long held;
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table.quoted())) {
                    rs.next();
                    held = rs.getLong(1);
                }
                try (Statement st = session.statement()) {
                    st.execute("DROP TABLE " + table.quoted());
                }
                SyncStateStore.delete(session, table);
                forgetCapture(session, table);
                return held;
            });
            log.info("dropped DuckDB's copy of {} ({} rows)", table, rows);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("table", table.key());
            result.put("rows", rows);
            return result;
        } finally {
            turn.unlock();
        }
    }

    private boolean isUserTable(TableName table) {
        return engine.read(session -> {
            PreparedStatement ps = session.prepare("SELECT count(*) FROM duckdb_tables() WHERE " + USER_TABLES
                    + " AND schema_name = ? AND table_name = ?");
            ps.setString(1, table.schema());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        });
    }

    /** Column name to PostgreSQL type of {@code table}, read from the source; empty when it cannot be read. */
    private Map<String, String> liveTypes(TableName table) {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = source().connect()) {
            catalog.read(c, table).ifPresent(t -> t.columns().forEach(col -> out.put(col.name(), col.pgType())));
        } catch (SQLException | RuntimeException e) {
            log.debug("PostgreSQL types of {} not read: {}", table, e.getMessage());
        }
        return out;
    }

    /** {@code pg schema.table} for a table a sync or CDC keeps; null for any other. */
    private static String source(TableName table, boolean synced, Map<String, String> captured) {
        if (synced) {
            return "pg " + table.key();
        }
        String cdc = captured.get(table.schema() + "." + table.name());
        return cdc == null ? null : "pg " + cdc;
    }

    /**
     * The DuckDB tables change data capture keeps (its {@code duckbridge.cdc_tables}), to the PostgreSQL tables
     * they come from; empty when CDC never ran. Read as SQL: the sync feature does not depend on CDC's code.
     */
    private Map<String, String> cdcSources() {
        return engine.read(session -> {
            Map<String, String> out = new LinkedHashMap<>();
            if (!session.tableExists("duckbridge", "cdc_tables")) {
                return out;
            }
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT target_table, source_table FROM duckbridge.cdc_tables")) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
            return out;
        });
    }

    private long rowCount(TableName table) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table.quoted())) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
