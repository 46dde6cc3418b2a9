package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change data capture from one PostgreSQL database into DuckDB over logical replication, exactly once.
 *
 * <p>On first start it creates the publication and a {@code pgoutput} slot whose exported snapshot feeds
 * the initial copy of every table, so the copy and the stream meet at the slot's consistent point. It
 * then streams changes with pgjdbc's replication API (automatic flush off), decodes them with {@link
 * PgOutputDecoder}, and applies whole transactions in commit order through the writer lane; the applied
 * commit LSN is stored in {@code duckbridge.cdc_state} in the same DuckDB transaction. Only after that
 * commit is the LSN confirmed to PostgreSQL. After a crash anywhere, transactions whose commit LSN is not
 * after the stored one are skipped, so every change is applied exactly once.
 *
 * <p>Relation messages that add, drop or rename columns or widen a type are applied as DDL in the same
 * transaction; any other change marks the table for a new copy from a temporary slot's snapshot while the
 * others keep streaming. Connection loss is retried with exponential backoff; a slot dropped or
 * invalidated underneath is reported (state {@link CdcState#FAILED}) or, when configured, recreated with
 * a new initial snapshot.
 *
 * <p>Thread-safe. {@link #start()} and {@link #stop()} may be called from any thread; the work runs on
 * one named thread {@code duckbridge-cdc}. {@link #close()} stops and keeps the slot; only {@link
 * #disable()} drops slot, publication and stored state.
 */
public final class ChangeCapture implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangeCapture.class);
    static final String HEARTBEAT_PREFIX = "duckbridge-heartbeat";
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** Where a test may stop the applier as if the process died. */
    enum CrashPoint {
        SNAPSHOT_TABLE_LOADED,
        RECEIVED,
        APPLIED,
        CONFIRMED
    }

    /** Called at each {@link CrashPoint}; throwing simulates a crash there. */
    @FunctionalInterface
    interface CrashHook {
        void reached(CrashPoint point);
    }

    private final DuckDbEngine engine;
    private final PostgresSource source;
    private final CdcSettings settings;
    private final CrashHook crashHook;

    private final Object lifecycle = new Object();
    private Thread worker;
    private volatile boolean running;
    private volatile PGReplicationStream currentStream;
    private volatile Connection currentReplicationConnection;

    private volatile CdcState state = CdcState.STOPPED;
    private volatile String lastError;
    /** Why the last {@link #start()} was refused; null once a start succeeded or CDC was stopped since. */
    private volatile String startRefusal;

    private volatile Lsn confirmedLsn;
    private volatile Instant lastAppliedAt;
    private volatile Instant oldestPendingCommit;
    private volatile double heartbeatDelaySeconds;
    /**
     * Send times (epoch ms) of heartbeats written to PostgreSQL's WAL but not yet received back through the
     * stream, oldest first: while one is out, the stream is at least that far behind. Guarded by itself.
     */
    private final Deque<Long> heartbeatsInFlight = new ArrayDeque<>();
    /** Send time (epoch ms) of the newest heartbeat received back, 0 when none: the stream was current then. */
    private volatile long currentAsOfMillis;

    private final AtomicLong appliedChanges = new AtomicLong();
    private final AtomicLong appliedTransactions = new AtomicLong();
    private final Deque<long[]> rateSamples = new ArrayDeque<>();
    private final Map<String, TableEntry> tables = new LinkedHashMap<>();
    private volatile ServerView serverView;

    /** What the CDC thread knows about one captured table. */
    private static final class TableEntry {
        volatile SourceTable shape;
        volatile String state;
        volatile Lsn applyFrom;
        /** Why the table is {@code failed}; null in any other state. */
        volatile String error;

        final AtomicLong applied = new AtomicLong();
        /** Values changed to fit their DuckDB type since this process started streaming the table. */
        final AtomicLong lossy = new AtomicLong();

        TableEntry(SourceTable shape, String state, Lsn applyFrom, String error) {
            this.shape = shape;
            this.state = state;
            this.applyFrom = applyFrom;
            this.error = error;
        }
    }

    private record ServerView(long atNanos, long atMillis, long lagBytes, long retainedBytes) {}

    /** When {@link #refreshServerView} last found no slot; guarded by that method's lock. */
    private long noSlotAt = System.nanoTime() - TimeUnit.SECONDS.toNanos(10);

    public ChangeCapture(DuckDbEngine engine, PostgresSource source, CdcSettings settings) {
        this(engine, source, settings, point -> {});
    }

    ChangeCapture(DuckDbEngine engine, PostgresSource source, CdcSettings settings, CrashHook crashHook) {
        this.engine = engine;
        this.source = source;
        this.settings = settings;
        this.crashHook = crashHook;
    }

    public CdcSettings settings() {
        return settings;
    }

    /**
     * Checks the tables and starts capturing in the background; returns at once. Does nothing when
     * already running. When DuckDB's stored position is behind the slot's confirmed one (the database was
     * restored from an older backup), the captured tables are first copied again from a fresh snapshot,
     * because the slot no longer holds the changes in between.
     *
     * @throws DuckbridgeException INVALID_REQUEST naming every table whose updates and deletes cannot be
     *     captured, with the {@code ALTER TABLE} that fixes each; SOURCE_UNAVAILABLE when PostgreSQL
     *     cannot be reached
     */
    public void start() {
        synchronized (lifecycle) {
            if (running) {
                return;
            }
            try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
                List<String> problems = ReplicationSetup.identityProblems(c, capturedTables(c));
                if (!problems.isEmpty()) {
                    throw new DuckbridgeException(
                            ErrorClass.INVALID_REQUEST,
                            "CDC cannot capture updates and deletes of " + problems.size() + " table(s): "
                                    + String.join(" ", problems));
                }
                resyncTablesBehindSlot(c);
            } catch (SQLException e) {
                DuckbridgeException wrapped = PostgresErrors.wrap("checking the tables for CDC failed", e);
                lastError = wrapped.getMessage();
                startRefusal = lastError;
                throw wrapped;
            } catch (DuckbridgeException e) {
                lastError = e.getMessage();
                startRefusal = lastError;
                throw e;
            }
            running = true;
            lastError = null;
            startRefusal = null;
            // so the answer to a start says it was taken, before the thread has connected
            state = CdcState.STARTING;
            worker = new Thread(this::run, "duckbridge-cdc");
            worker.setDaemon(true);
            worker.start();
        }
    }

    /**
     * When DuckDB's stored position is behind the slot's confirmed position — the database was restored
     * from a backup (online or offline) after CDC had confirmed later changes — PostgreSQL no longer holds
     * the changes in between, so every captured table is marked to be copied again; the next {@link
     * #prepare()} copies them from a fresh snapshot and streaming continues after it. In normal operation
     * DuckDB is never behind: an LSN is confirmed only after the DuckDB commit that stored it.
     */
    private void resyncTablesBehindSlot(Connection c) throws SQLException {
        Optional<ReplicationSetup.SlotInfo> slot = ReplicationSetup.slot(c, settings.slotName());
        if (slot.isEmpty() || slot.get().confirmedFlush() == null) {
            return;
        }
        Lsn slotConfirmed = slot.get().confirmedFlush();
        List<String> marked = engine.write(session -> {
            CdcStateStore.createTables(session);
            CdcStateStore.Position position = CdcStateStore.position(session, settings.slotName());
            if (position == null || !slotConfirmed.isAfter(position.confirmLsn())) {
                return List.of();
            }
            List<String> names = new ArrayList<>();
            for (CdcStateStore.StoredTable t :
                    CdcStateStore.tables(session, settings.slotName()).values()) {
                CdcStateStore.saveTable(session, settings.slotName(), t.table(), "resync", t.applyFrom());
                names.add(t.table().qualifiedName());
            }
            return names;
        });
        if (!marked.isEmpty()) {
            log.warn(
                    "DuckDB is behind replication slot {} (it confirmed {}, DuckDB holds changes up to an earlier"
                            + " position, e.g. after a restore); the changes in between are gone from the slot, so"
                            + " {} will be copied again",
                    settings.slotName(),
                    slotConfirmed,
                    marked);
        }
    }

    /** Stops streaming and waits for the CDC thread; keeps the slot, publication and state. Idempotent. */
    public void stop() {
        Thread t;
        synchronized (lifecycle) {
            running = false;
            startRefusal = null; // stopped on purpose: no longer a start that did not happen
            t = worker;
            worker = null;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeStream();
        if (state != CdcState.FAILED) {
            state = CdcState.STOPPED;
        }
    }

    /**
     * Stops and drops what Duckbridge created in PostgreSQL (slot and publication) and forgets the stored
     * position; the DuckDB tables stay. The next start copies every table again.
     */
    public void disable() {
        stop();
        try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
            ReplicationSetup.dropSlot(c, settings.slotName(), 100);
            ReplicationSetup.dropPublication(c, settings.publicationName());
        } catch (SQLException e) {
            throw PostgresErrors.wrap("dropping slot " + settings.slotName() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted while dropping the slot", e);
        }
        engine.write(session -> {
            CdcStateStore.createTables(session);
            CdcStateStore.forget(session, settings.slotName());
            return null;
        });
        synchronized (tables) {
            tables.clear();
        }
        confirmedLsn = null;
        forgetHeartbeats();
        state = CdcState.STOPPED;
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Why the last {@link #start()} was refused (e.g. a captured table without a replica identity, or
     * PostgreSQL unreachable), so that CDC configured to run is not running; null when no start was refused,
     * or a start succeeded or {@link #stop()} was called since. Thread-safe.
     */
    public String startRefusal() {
        return startRefusal;
    }

    /** Whether the CDC thread is running (streaming, snapshotting or reconnecting). */
    public boolean isRunning() {
        return running;
    }

    /**
     * Whether {@code table} is kept current by this running stream, so a sync of it from a snapshot of its own
     * would race the stream (changes applied twice or lost). Thread-safe.
     */
    public boolean streams(TableName table) {
        if (!running) {
            return false;
        }
        synchronized (tables) {
            return tables.containsKey(table.schema() + "." + table.name());
        }
    }

    /** The current status; queries PostgreSQL for lag at most once a second. */
    public CdcStatus status() {
        ServerView view = refreshServerView();
        List<CdcStatus.TableStatus> tableStatus = new ArrayList<>();
        synchronized (tables) {
            for (TableEntry e : tables.values()) {
                tableStatus.add(new CdcStatus.TableStatus(
                        e.shape.qualifiedName(),
                        e.shape.targetSchema() + "." + e.shape.name(),
                        e.state,
                        e.applied.get(),
                        e.lossy.get(),
                        e.error));
            }
        }
        Instant pending = oldestPendingCommit;
        double pendingSeconds = pending == null
                ? 0
                : Math.max(0, Duration.between(pending, Instant.now()).toMillis() / 1000.0);
        double lagSeconds = Math.max(pendingSeconds, secondsBehind(view));
        Lsn confirmed = confirmedLsn;
        return new CdcStatus(
                state,
                settings.slotName(),
                settings.publicationName(),
                confirmed == null ? null : confirmed.toString(),
                view == null ? -1 : view.lagBytes(),
                lagSeconds,
                view == null ? -1 : view.retainedBytes(),
                appliedChanges.get(),
                appliedTransactions.get(),
                changesPerSecond(),
                tableStatus,
                lastError,
                lastAppliedAt);
    }

    /**
     * How long ago the stream was last known to be current. A heartbeat is written every {@code
     * heartbeat-interval} while streaming, so one sent and not yet received back means the stream is at least
     * that old (a stalled walsender or network); while CDC does not stream, nothing proves it current since
     * the newest heartbeat received. Counting only heartbeats that arrived (as before) showed no lag at all
     * for a stream that had stopped delivering.
     */
    private double secondsBehind(ServerView view) {
        if (view != null && view.lagBytes() == 0) {
            // PostgreSQL had confirmed everything written when it was asked: heartbeats sent before are in
            heartbeatsReceived(view.atMillis());
            return 0;
        }
        long now = System.currentTimeMillis();
        Long oldestOut;
        synchronized (heartbeatsInFlight) {
            oldestOut = heartbeatsInFlight.peekFirst();
        }
        if (oldestOut != null) {
            return Math.max(0, (now - oldestOut) / 1000.0);
        }
        long currentAsOf = currentAsOfMillis;
        if (state != CdcState.STREAMING && currentAsOf > 0) {
            return Math.max(0, (now - currentAsOf) / 1000.0);
        }
        return heartbeatDelaySeconds;
    }

    /** Forgets the heartbeats in flight sent at or before {@code sentAtMillis}: the stream has passed them. */
    private void heartbeatsReceived(long sentAtMillis) {
        synchronized (heartbeatsInFlight) {
            while (!heartbeatsInFlight.isEmpty() && heartbeatsInFlight.peekFirst() <= sentAtMillis) {
                heartbeatsInFlight.removeFirst();
            }
        }
    }

    /** Forgets heartbeats of a slot that is gone: they never arrive through a new one. */
    private void forgetHeartbeats() {
        synchronized (heartbeatsInFlight) {
            heartbeatsInFlight.clear();
        }
        currentAsOfMillis = 0;
        heartbeatDelaySeconds = 0;
    }

    // ---- the CDC thread ------------------------------------------------------------------------

    private void run() {
        Duration backoff = Duration.ofMillis(500);
        while (running) {
            try {
                Lsn startAt = prepare();
                state = CdcState.STREAMING;
                backoff = Duration.ofMillis(500);
                stream(startAt);
            } catch (SlotLostException e) {
                lastError = e.getMessage();
                if (settings.recreateSlotOnLoss() && running) {
                    log.warn("{}; recreating it with a new snapshot of every table", e.getMessage());
                    engine.write(session -> {
                        CdcStateStore.forget(session, settings.slotName());
                        return null;
                    });
                    continue;
                }
                log.error("CDC stopped: {}", e.getMessage());
                state = CdcState.FAILED;
                running = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                if (!running) {
                    break;
                }
                if (retryable(e)) {
                    lastError = describe(e);
                    state = CdcState.RECONNECTING;
                    log.warn("CDC lost PostgreSQL ({}); retrying in {} ms", lastError, backoff.toMillis());
                    closeStream();
                    if (!pause(backoff)) {
                        break;
                    }
                    backoff =
                            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    continue;
                }
                lastError = describe(e) + undefinedObjectHint(e);
                log.error("CDC failed: {}", lastError, e);
                state = CdcState.FAILED;
                running = false;
            } catch (Error e) {
                // the thread ends here either way: without this it ended silently, still shown as streaming (and
                // healthy) while nothing was applied any more. Nothing after the confirmed position was
                // confirmed, so a start streams the unapplied changes again. The state is set first: with the
                // heap exhausted, building the message or logging can fail too (the transaction held is
                // garbage once this frame is left, not before)
                state = CdcState.FAILED;
                running = false;
                lastError = e instanceof OutOfMemoryError
                        ? "CDC stopped: the JVM heap ran out while receiving or applying changes"
                        : "CDC stopped by an unexpected error";
                try {
                    lastError = describeError(e);
                    log.error("CDC failed: {}", lastError, e);
                } catch (Throwable again) {
                    // the short message above stays
                }
            } finally {
                closeStream();
                oldestPendingCommit = null;
            }
        }
        if (state != CdcState.FAILED) {
            state = CdcState.STOPPED;
        }
    }

    /**
     * Makes publication, slot and DuckDB agree: creates them and copies every table on the first start,
     * copies tables added since, and re-copies tables marked for resync or found missing from the publication
     * (whose changes PostgreSQL did not send meanwhile).
     *
     * @return the position to stream from
     */
    private Lsn prepare() throws SQLException, InterruptedException {
        engine.write(session -> {
            CdcStateStore.createTables(session);
            return null;
        });
        CdcStateStore.Position position = engine.read(session -> CdcStateStore.position(session, settings.slotName()));
        List<String> wanted;
        java.util.Set<String> unpublished;
        try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
            wanted = capturedTables(c);
            unpublished = ReplicationSetup.ensurePublication(c, settings.publicationName(), wanted);
            Optional<ReplicationSetup.SlotInfo> slot = ReplicationSetup.slot(c, settings.slotName());
            if (position != null && slot.isEmpty()) {
                throw new SlotLostException("replication slot " + settings.slotName()
                        + " was dropped outside Duckbridge; changes since " + position.confirmLsn() + " are lost");
            }
            if (position != null && slot.get().lost()) {
                throw new SlotLostException("replication slot " + settings.slotName() + " was invalidated ("
                        + (slot.get().invalidation() != null
                                ? slot.get().invalidation()
                                : "wal_status " + slot.get().walStatus())
                        + "); changes since " + position.confirmLsn() + " are lost");
            }
            if (position == null && slot.isPresent()) {
                // left over from an initial snapshot that did not finish: start again
                ReplicationSetup.dropSlot(c, settings.slotName(), 100);
            }
        }
        // tables that could not be copied in this start: tried again on the next start, not at once
        java.util.Set<String> failedNow = new java.util.HashSet<>();
        boolean snapshotTaken = position == null;
        if (position == null) {
            state = CdcState.SNAPSHOTTING;
            forgetHeartbeats();
            synchronized (tables) {
                tables.clear();
            }
            try (ReplicationSetup.ExportedSlot slot =
                    ReplicationSetup.createSlotExportingSnapshot(source, settings.slotName(), false)) {
                log.info(
                        "CDC created slot {} at {}; copying {} table(s) from snapshot {}",
                        settings.slotName(),
                        slot.consistentPoint(),
                        wanted.size(),
                        slot.snapshotName());
                engine.write(session -> {
                    CdcStateStore.forget(session, settings.slotName());
                    return null;
                });
                failedNow.addAll(reportFailed(SnapshotLoader.load(
                                source,
                                engine,
                                settings.slotName(),
                                slot.snapshotName(),
                                wanted,
                                SnapshotSettings.defaults(),
                                settings.mapping(),
                                null))
                        .keySet());
                crashHook.reached(CrashPoint.SNAPSHOT_TABLE_LOADED);
                Lsn before = new Lsn(slot.consistentPoint().value() - 1);
                engine.write(session -> {
                    CdcStateStore.savePosition(session, settings.slotName(), before, slot.consistentPoint(), null);
                    return null;
                });
                position = new CdcStateStore.Position(before, slot.consistentPoint());
            }
        }
        loadTables();
        List<String> toCopy = new ArrayList<>();
        List<String> drifted = new ArrayList<>();
        synchronized (tables) {
            for (String name : wanted) {
                TableEntry e = tables.get(name);
                if ((e == null || !e.state.equals("streaming")) && !failedNow.contains(name)) {
                    toCopy.add(name);
                } else if (e != null && unpublished.contains(name) && !failedNow.contains(name)) {
                    // out of the publication for a while (taken out by hand, or dropped and created again): its
                    // changes meanwhile were never sent, so putting it back is not enough. (A copy just taken
                    // from the slot's snapshot, on the first start, is already after that.)
                    drifted.add(name);
                }
            }
        }
        if (!drifted.isEmpty() && !snapshotTaken) {
            log.warn(
                    "CDC found {} missing from publication {} (taken out of it, or dropped and created again):"
                            + " PostgreSQL sent none of their changes meanwhile, so they are copied again",
                    drifted,
                    settings.publicationName());
            toCopy.addAll(drifted);
        }
        if (!toCopy.isEmpty()) {
            resync(toCopy);
        }
        confirmedLsn = position.confirmLsn();
        return position.confirmLsn();
    }

    private void loadTables() throws SQLException {
        Map<String, CdcStateStore.StoredTable> stored = new LinkedHashMap<>();
        Map<String, CdcStateStore.StoredTable> raw =
                engine.read(session -> CdcStateStore.tables(session, settings.slotName()));
        // type the stored columns from the catalog by OID (an OID names the same type for its lifetime)
        try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
            raw.forEach((name, t) -> stored.put(
                    name,
                    new CdcStateStore.StoredTable(
                            t.table()
                                    .withColumns(
                                            ReplicationSetup.resolveTypes(
                                                    c, t.table().columns()),
                                            t.table().keyColumns()),
                            t.state(),
                            t.applyFrom(),
                            t.error())));
        }
        synchronized (tables) {
            Map<String, Long> counts = new HashMap<>();
            Map<String, Long> lossy = new HashMap<>();
            tables.forEach((k, v) -> {
                counts.put(k, v.applied.get());
                lossy.put(k, v.lossy.get());
            });
            tables.clear();
            stored.forEach((name, t) -> {
                TableEntry e = new TableEntry(t.table(), t.state(), t.applyFrom(), t.error());
                e.applied.set(counts.getOrDefault(name, 0L));
                e.lossy.set(lossy.getOrDefault(name, 0L));
                tables.put(name, e);
            });
        }
    }

    /**
     * Copies {@code names} again from a temporary slot's snapshot; their changes apply from that slot's
     * consistent point on. The main slot's stream is not consumed meanwhile, so nothing after that point
     * has been applied yet.
     */
    private void resync(List<String> names) throws SQLException {
        String temporarySlot = (settings.slotName() + "_resync")
                .substring(0, Math.min(63, settings.slotName().length() + 7));
        synchronized (tables) {
            for (String name : names) {
                TableEntry e = tables.get(name);
                if (e != null) {
                    e.state = "resyncing";
                }
            }
        }
        try (ReplicationSetup.ExportedSlot slot =
                ReplicationSetup.createSlotExportingSnapshot(source, temporarySlot, true)) {
            log.info("CDC copying {} again from snapshot at {}", names, slot.consistentPoint());
            reportFailed(SnapshotLoader.load(
                    source,
                    engine,
                    settings.slotName(),
                    slot.snapshotName(),
                    names,
                    SnapshotSettings.defaults(),
                    settings.mapping(),
                    slot.consistentPoint()));
        }
        loadTables();
    }

    /** Columns whose changed values were logged once; later ones are only counted. */
    private final java.util.Set<String> lossyLogged = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Counts values a batch changed to fit their DuckDB type (as a sync counts them) per table, and logs the
     * first such value of each column with the override that keeps them exactly — never silent.
     */
    private void reportLossy(Map<String, Map<String, io.duckbridge.core.sync.snapshot.TableLoad.LossyCount>> lossy) {
        lossy.forEach((table, columns) -> columns.forEach((column, count) -> {
            synchronized (tables) {
                TableEntry e = tables.get(table);
                if (e != null) {
                    e.lossy.addAndGet(count.count());
                }
            }
            if (lossyLogged.add(table + "\u0000" + column)) {
                log.warn(
                        "CDC changed {} value(s) of {} column {} to fit its DuckDB type (rounded, or NaN/infinity"
                                + " stored as NULL); keep them exactly with {}. Later ones are counted in GET"
                                + " /api/v1/cdc (tables[].lossyValues)",
                        count.count(),
                        table,
                        column,
                        count.override());
            }
        }));
    }

    /** Logs tables set aside (state {@code failed}) and keeps the last reason for the status; returns them. */
    private Map<String, String> reportFailed(Map<String, String> failed) {
        failed.forEach((table, reason) -> {
            log.error(
                    "CDC set {} aside, the other tables go on streaming: {}. Fix the cause, then stop and start"
                            + " CDC to copy it again",
                    table,
                    reason);
            lastError = table + ": " + reason;
        });
        return failed;
    }

    private List<String> capturedTables(Connection c) throws SQLException {
        List<String> wanted = new ArrayList<>();
        boolean all = settings.tables().isEmpty();
        for (String t : all ? ReplicationSetup.allUserTables(c) : settings.tables()) {
            String[] name = SourceTable.parseName(t);
            // without an explicit list, the tables the sync selects: what it leaves out is never streamed
            if (!all || settings.selector().selects(new TableName(name[0], name[1]))) {
                wanted.add(name[0] + "." + name[1]);
            }
        }
        if (!all) {
            for (String t : wanted) {
                if (!ReplicationSetup.exists(c, t)) {
                    throw new DuckbridgeException(
                            ErrorClass.NOT_FOUND,
                            "PostgreSQL table " + t + ", listed in duckbridge.cdc.tables, does not exist (renamed or"
                                    + " dropped?); update duckbridge.cdc.tables, or leave it empty to capture every"
                                    + " table the sync selects");
                }
            }
        }
        if (wanted.isEmpty()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "no tables to capture: duckbridge.cdc.tables is empty and no user table of the database passes"
                            + " duckbridge.sync.include/exclude");
        }
        return wanted;
    }

    private void stream(Lsn startAt) throws SQLException, InterruptedException {
        Connection replication = source.connect(ReplicationSetup.replicationProperties());
        currentReplicationConnection = replication;
        int version = ReplicationSetup.serverVersion(replication);
        PGReplicationStream stream = replication
                .unwrap(PGConnection.class)
                .getReplicationAPI()
                .replicationStream()
                .logical()
                .withSlotName(settings.slotName())
                .withStartPosition(LogSequenceNumber.valueOf(startAt.value()))
                .withSlotOption("proto_version", version >= 140000 ? "2" : "1")
                .withSlotOption("publication_names", settings.publicationName())
                .withSlotOption("messages", version >= 140000 ? "true" : "false")
                .withStatusInterval(5, TimeUnit.SECONDS)
                .withAutomaticFlush(false)
                .start();
        currentStream = stream;
        log.info("CDC streaming slot {} from {}", settings.slotName(), startAt);
        Lsn applied = engine.read(session -> CdcStateStore.position(session, settings.slotName()))
                .appliedLsn();
        if (!startAt.isAfter(applied)) {
            // a heartbeat's marker stored by an earlier version: applied = confirmed = the message's end, where
            // the next commit record may start. PostgreSQL sends no transaction committed before startAt, and a
            // transaction that commits at it is not applied yet (see PendingTransaction.marker)
            applied = new Lsn(startAt.value() - 1);
        }
        Session session = new Session(stream, applied);
        Connection admin = source.connect(ReplicationSetup.plainProperties());
        try (admin) {
            long nextHeartbeat = System.nanoTime();
            while (running) {
                ByteBuffer buffer = stream.readPending();
                if (buffer == null) {
                    if (session.inFlightDone()) {
                        session.awaitInFlight(); // confirm what the lane finished
                    }
                    if (!session.batch.isEmpty() && session.laneFree()) {
                        session.flush();
                        continue;
                    }
                    // never wait for the lane here: the stream keeps being read (and batched) while a
                    // batch is applied, so a slow apply does not delay receiving the next transactions
                    if (System.nanoTime() - nextHeartbeat >= 0) {
                        heartbeat(admin);
                        nextHeartbeat =
                                System.nanoTime() + settings.heartbeatInterval().toNanos();
                    }
                    TimeUnit.MILLISECONDS.sleep(session.inFlight == null && session.batch.isEmpty() ? 2 : 1);
                    continue;
                }
                session.handle(session.decoder.decode(buffer));
                if (session.resyncNeeded) {
                    session.flush();
                    session.awaitInFlight();
                    List<String> names = new ArrayList<>();
                    synchronized (tables) {
                        tables.forEach((name, e) -> {
                            if (e.state.equals("resync")) {
                                names.add(name);
                            }
                        });
                    }
                    resync(names);
                    session.resyncNeeded = false;
                } else if (session.batchChanges >= settings.maxBatchChanges()
                        || (!session.batch.isEmpty() && session.laneFree())) {
                    // adaptive batching: hand over as soon as the lane is free, else let the batch grow
                    session.flush();
                }
            }
        } finally {
            session.abandonInFlight();
        }
    }

    private void heartbeat(Connection admin) throws SQLException {
        long sentAt = System.currentTimeMillis();
        try (PreparedStatement ps = admin.prepareStatement("SELECT pg_logical_emit_message(false, ?, ?)")) {
            ps.setString(1, HEARTBEAT_PREFIX);
            ps.setString(2, settings.slotName() + ":" + sentAt);
            ps.execute();
        }
        synchronized (heartbeatsInFlight) {
            // bounded: a stream stalled for hours only needs its oldest heartbeats to tell its lag
            if (heartbeatsInFlight.size() < 10_000) {
                heartbeatsInFlight.addLast(sentAt);
            }
        }
    }

    /** Heap bytes of a row change besides its values: the change, its tuples and their lists. */
    private static final long ROW_BYTES = 96;

    /** Estimated heap bytes of {@code tuple}'s values (each value object, its array header and its bytes). */
    static long heapBytes(TupleData tuple) {
        if (tuple == null) {
            return 0;
        }
        long bytes = 16L + 8L * tuple.size();
        for (TupleData.Value v : tuple.values()) {
            bytes += 40 + (v.bytes() == null ? 0 : v.bytes().length);
        }
        return bytes;
    }

    /**
     * Adds a committed transaction (or a heartbeat's marker) to the batch. One with no changes for CDC (it
     * touched only other tables, or a table set aside) still goes in, so its end is confirmed and the slot
     * advances; it replaces an empty one at the end of the batch, whose end it covers, so a run of them does not
     * grow the batch. Only that trailing entry: the batch's earlier transactions carry changes (an earlier
     * version cleared the whole batch here, and with it committed changes of other tables).
     */
    static void append(List<PendingTransaction> batch, PendingTransaction tx) {
        if (tx.changes.isEmpty() && !batch.isEmpty() && batch.getLast().changes.isEmpty()) {
            batch.removeLast();
        }
        batch.add(tx);
    }

    /** One replication session: decoding state and the batch of received transactions. */
    private final class Session {
        final PGReplicationStream stream;
        final PgOutputDecoder decoder = new PgOutputDecoder();
        /** Which tables the lane may append to directly; used on the lane, one batch at a time. */
        final ChangeApplier.Targets targets = new ChangeApplier.Targets();
        /** Relation OID to {@code schema.table}; entries are looked up by name as resyncs replace them. */
        final Map<Integer, String> relations = new HashMap<>();

        final List<PendingTransaction> batch = new ArrayList<>();
        Lsn applied;
        PendingTransaction current;
        boolean skipping;
        int batchChanges;
        boolean resyncNeeded;
        java.util.concurrent.CompletableFuture<ChangeApplier.Outcome> inFlight;
        List<PendingTransaction> inFlightBatch;
        /** Estimated heap bytes of {@link #current}'s row changes, per table and in all. */
        final Map<TableEntry, long[]> currentBytes = new java.util.IdentityHashMap<>();
        /** {@link CdcSettings#transactionBytesLimit()}, read once (it may ask the JVM for its heap). */
        final long transactionBytesLimit = settings.transactionBytesLimit();

        long currentTotalBytes;

        Session(PGReplicationStream stream, Lsn applied) {
            this.stream = stream;
            this.applied = applied;
        }

        void handle(PgOutputMessage message) throws SQLException {
            switch (message) {
                case PgOutputMessage.Begin b -> {
                    current = new PendingTransaction(b.finalLsn(), b.commitTime());
                    skipping = !b.finalLsn().isAfter(applied);
                    currentBytes.clear();
                    currentTotalBytes = 0;
                }
                case PgOutputMessage.Commit c -> commit(c);
                case PgOutputMessage.Relation r -> relation(r);
                case PgOutputMessage.Insert i -> row(i.relationId(), 'I', (char) 0, null, i.newTuple());
                case PgOutputMessage.Update u -> row(u.relationId(), 'U', u.oldTupleKind(), u.oldTuple(), u.newTuple());
                case PgOutputMessage.Delete d -> row(d.relationId(), 'D', d.oldTupleKind(), d.oldTuple(), null);
                case PgOutputMessage.Truncate t -> {
                    for (int id : t.relationIds()) {
                        TableEntry e = live(id);
                        if (e != null) {
                            current.changes.add(new Change.Truncate(e.shape));
                        }
                    }
                }
                case PgOutputMessage.LogicalMessage m -> logicalMessage(m);
                case PgOutputMessage.Origin o -> {
                    // changes replicated from another node are captured like local ones
                }
                case PgOutputMessage.Type t -> {
                    // a non-built-in type: its columns are kept as PostgreSQL text
                }
                case PgOutputMessage.StreamStart s -> throw unexpected(s);
                case PgOutputMessage.StreamStop s -> throw unexpected(s);
                case PgOutputMessage.StreamCommit s -> throw unexpected(s);
                case PgOutputMessage.StreamAbort s -> throw unexpected(s);
            }
        }

        private DuckbridgeException unexpected(PgOutputMessage m) {
            return new DuckbridgeException(
                    ErrorClass.INTERNAL, "pgoutput sent " + m + " although streaming was not requested");
        }

        private void commit(PgOutputMessage.Commit c) {
            PendingTransaction tx = current;
            current = null;
            if (tx == null || skipping) {
                return;
            }
            tx.endLsn = c.endLsn();
            append(batch, tx);
            batchChanges += tx.changes.size();
            if (oldestPendingCommit == null) {
                oldestPendingCommit = tx.commitTime;
            }
            resyncNeeded |= tx.needsResync;
        }

        private void relation(PgOutputMessage.Relation r) throws SQLException {
            TableEntry entry;
            synchronized (tables) {
                entry = tables.get(r.namespace() + "." + r.name());
            }
            if (entry == null) {
                return;
            }
            relations.put(r.relationId(), r.qualifiedName());
            if (current != null && entry.applyFrom != null && current.commitLsn.compareTo(entry.applyFrom) < 0) {
                // the table as it was before the snapshot it was copied from: DuckDB has the copy's newer shape,
                // and this transaction's rows are skipped. Diffing against it used to "revert" the copy (a column
                // added before the snapshot was dropped and added back empty: its values were lost)
                return;
            }
            SourceTable before = entry.shape;
            List<SourceTable.Column> columns = new ArrayList<>();
            List<Integer> flagged = new ArrayList<>();
            for (PgOutputMessage.RelationColumn c : r.columns()) {
                if (c.key()) {
                    flagged.add(columns.size());
                }
                SourceTable.Column column = new SourceTable.Column(c.name(), c.typeOid(), c.typeModifier());
                SourceTable.Column known = knownColumn(before, column);
                columns.add(known != null ? known : column);
            }
            java.util.Set<String> addedWithDefault = new java.util.HashSet<>();
            boolean changed = !sameColumns(before.columns(), columns);
            // a column dropped and added again under its name keeps name and type but not its number; the
            // catalog only says how the table is NOW, which may be after this message's transaction (the
            // stream is behind), so when a known column's number differs there is no telling when it happened
            // and the table is copied again (applying the drop and add here wrote the old column's values
            // into the new one)
            boolean readded = false;
            boolean matters = entry.state.equals("streaming") && current != null && !skipping;
            if (changed || matters) {
                // number the columns from the catalog to tell renames from drop + add, and type the new ones
                try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
                    ReplicationSetup.Catalog catalog = ReplicationSetup.catalog(c, r.relationId());
                    int highestKnown = before.columns().stream()
                            .mapToInt(SourceTable.Column::attnum)
                            .max()
                            .orElse(0);
                    // a column added after the known shape and dropped since: a column new to the stream may be
                    // one of those, or one added again under its name (the catalog cannot tell which)
                    boolean droppedSinceKnown = highestKnown > 0 && catalog.highestDropped() > highestKnown;
                    for (int i = 0; i < columns.size(); i++) {
                        SourceTable.Column column = columns.get(i);
                        ReplicationSetup.CatalogColumn found = catalog.columns().get(column.name());
                        SourceTable.Column known = knownColumn(before, column);
                        if (known != null && known.attnum() > 0 && found != null && found.attnum() != known.attnum()) {
                            readded = true;
                        }
                        if (known == null && found != null && droppedSinceKnown) {
                            readded = true;
                        }
                        if (!changed) {
                            continue;
                        }
                        SourceTable.Column numbered = column.withAttnum(
                                found == null ? 0 : found.attnum(), found == null ? 0 : found.dimensions());
                        if (known == null) {
                            numbered = ReplicationSetup.resolveTypes(c, List.of(numbered))
                                    .getFirst();
                        }
                        columns.set(i, numbered);
                        if (found != null && found.hasDefaultForOldRows()) {
                            addedWithDefault.add(column.name());
                        }
                    }
                }
            }
            // REPLICA IDENTITY FULL flags every column, so the message does not say which key rows have: the
            // catalog does. Keeping the known key instead applied changes with a primary key that had been
            // dropped, and an update of one of two rows sharing its old value removed both
            List<Integer> key = r.replicaIdentity() == 'f' ? catalogKey(r.qualifiedName(), columns) : flagged;
            boolean keyChanged = key == null || !sameKey(before, columns, key);
            SourceTable after = before.withColumns(columns, key == null ? List.of() : key);
            if (keyChanged && matters) {
                // rows applied under the old key may not be unique under the new one (or the other way round) at
                // this point of the stream, and the catalog only says how the table is now: copy it again
                log.info(
                        "CDC: the key of {} changed (from {} to {}); copying it again",
                        r.qualifiedName(),
                        keyNames(before.columns(), before.keyColumns()),
                        key == null ? "a column not in the stream" : keyNames(columns, key));
                entry.shape = after;
                entry.state = "resync";
                current.changes.add(new Change.Resync(after));
                current.needsResync = true;
                return;
            }
            if (readded && matters) {
                log.info(
                        "CDC: {} has a column dropped and added again under its name; copying it again",
                        r.qualifiedName());
                entry.shape = after;
                entry.state = "resync";
                current.changes.add(new Change.Resync(after));
                current.needsResync = true;
                return;
            }
            if (after.equals(before) || !entry.state.equals("streaming")) {
                entry.shape = after;
                return;
            }
            List<String> ddl = SchemaDiff.statements(before, columns, addedWithDefault, settings.mapping());
            entry.shape = after;
            if (skipping || current == null) {
                return; // already applied before a restart: DuckDB has this shape
            }
            if (ddl == null) {
                log.info("CDC: {} changed in a way DuckDB cannot follow; copying it again", r.qualifiedName());
                entry.state = "resync";
                current.changes.add(new Change.Resync(after));
                current.needsResync = true;
            } else {
                if (!ddl.isEmpty()) {
                    log.info("CDC: {} changed: {}", r.qualifiedName(), ddl);
                }
                current.changes.add(new Change.Schema(after, ddl));
            }
        }

        /** The column of the known shape with this name and type (its number and resolved type), or null. */
        private static SourceTable.Column knownColumn(SourceTable before, SourceTable.Column c) {
            for (SourceTable.Column known : before.columns()) {
                if (known.sameNameAndType(c)) {
                    return known;
                }
            }
            return null;
        }

        private static boolean sameColumns(List<SourceTable.Column> a, List<SourceTable.Column> b) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                SourceTable.Column x = a.get(i);
                SourceTable.Column y = b.get(i);
                if (!x.name().equals(y.name()) || x.typeOid() != y.typeOid() || x.typeModifier() != y.typeModifier()) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The table's key as the catalog says now (its primary key; none under REPLICA IDENTITY FULL without
         * one), as positions in {@code columns}; null when a key column is not among them.
         */
        private List<Integer> catalogKey(String table, List<SourceTable.Column> columns) throws SQLException {
            SourceTable now;
            try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
                now = ReplicationSetup.describe(c, table);
            }
            List<Integer> key = new ArrayList<>();
            for (int index : now.keyColumns()) {
                String name = now.columns().get(index).name();
                int found = -1;
                for (int i = 0; i < columns.size(); i++) {
                    if (columns.get(i).name().equals(name)) {
                        found = i;
                    }
                }
                if (found < 0) {
                    return null;
                }
                key.add(found);
            }
            return key;
        }

        /**
         * Whether {@code key} over {@code columns} is the key {@code before} is applied with: the same columns
         * by PostgreSQL column number (stable across renames and type changes), or by name where one is unknown.
         */
        private static boolean sameKey(SourceTable before, List<SourceTable.Column> columns, List<Integer> key) {
            if (before.keyColumns().size() != key.size()) {
                return false;
            }
            for (int i = 0; i < key.size(); i++) {
                SourceTable.Column was =
                        before.columns().get(before.keyColumns().get(i));
                SourceTable.Column is = columns.get(key.get(i));
                boolean same = was.attnum() > 0 && is.attnum() > 0
                        ? was.attnum() == is.attnum()
                        : was.name().equals(is.name());
                if (!same) {
                    return false;
                }
            }
            return true;
        }

        private static List<String> keyNames(List<SourceTable.Column> columns, List<Integer> key) {
            return key.stream().map(i -> columns.get(i).name()).toList();
        }

        private TableEntry live(int relationId) {
            if (skipping || current == null) {
                return null;
            }
            String name = relations.get(relationId);
            TableEntry e;
            synchronized (tables) {
                e = name == null ? null : tables.get(name);
            }
            if (e == null || !e.state.equals("streaming")) {
                return null;
            }
            if (e.applyFrom != null && current.commitLsn.compareTo(e.applyFrom) < 0) {
                return null; // committed before the snapshot this table was copied from
            }
            return e;
        }

        private void row(int relationId, char op, char oldKind, TupleData oldTuple, TupleData newTuple) {
            TableEntry e = live(relationId);
            if (e != null) {
                current.changes.add(new Change.Row(e.shape, op, oldKind, oldTuple, newTuple));
                long bytes = ROW_BYTES + heapBytes(oldTuple) + heapBytes(newTuple);
                currentBytes.computeIfAbsent(e, k -> new long[1])[0] += bytes;
                currentTotalBytes += bytes;
                if (currentTotalBytes > transactionBytesLimit) {
                    copyInsteadOfHolding();
                }
            }
        }

        /**
         * The transaction being received holds more changes than may wait in memory for its commit: the tables it
         * changes most (until at most half the limit is left) are copied again from a snapshot taken after the
         * commit instead — pgoutput sends a transaction only once it has committed, so that snapshot holds all
         * of it. Their changes received so far are dropped, and {@link #live} takes no more of them.
         */
        private void copyInsteadOfHolding() {
            long limit = transactionBytesLimit;
            List<Map.Entry<TableEntry, long[]>> biggest = new ArrayList<>(currentBytes.entrySet());
            biggest.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
            List<String> copied = new ArrayList<>();
            for (Map.Entry<TableEntry, long[]> table : biggest) {
                if (currentTotalBytes <= limit / 2) {
                    break;
                }
                TableEntry e = table.getKey();
                if (!e.state.equals("streaming")) {
                    continue;
                }
                String name = e.shape.qualifiedName();
                current.changes.removeIf(c ->
                        c instanceof Change.Row r && r.table().qualifiedName().equals(name));
                e.state = "resync";
                current.changes.add(new Change.Resync(e.shape));
                current.needsResync = true;
                currentTotalBytes -= table.getValue()[0];
                table.getValue()[0] = 0;
                copied.add(name);
            }
            if (!copied.isEmpty()) {
                log.warn(
                        "CDC: the transaction committed at {} changes more than {} bytes (duckbridge.cdc"
                                + ".max-transaction-size); copying {} again from a snapshot after its commit instead"
                                + " of holding its changes in memory",
                        current.commitLsn,
                        limit,
                        copied);
            }
        }

        private void logicalMessage(PgOutputMessage.LogicalMessage m) {
            // (a heartbeat's marker joins the batch as an empty transaction would; see append)
            if (m.transactional() || !m.prefix().equals(HEARTBEAT_PREFIX)) {
                return;
            }
            String content = new String(m.content(), StandardCharsets.UTF_8);
            if (!content.startsWith(settings.slotName() + ":")) {
                return;
            }
            long sentAt = Long.parseLong(content.substring(content.indexOf(':') + 1));
            heartbeatDelaySeconds = Math.max(0, (System.currentTimeMillis() - sentAt) / 1000.0);
            heartbeatsReceived(sentAt);
            currentAsOfMillis = Math.max(currentAsOfMillis, sentAt);
            // m.lsn() is the end of the message's record, where a commit record written next starts: the marker
            // stores a position before it as applied, or that transaction would be skipped (see marker)
            PendingTransaction marker = PendingTransaction.marker(m.lsn(), Instant.ofEpochMilli(sentAt));
            if (current == null && marker.commitLsn.isAfter(applied)) {
                append(batch, marker);
            }
        }

        /**
         * Hands the batch to the writer lane (one DuckDB transaction) and returns while it is applied, after
         * confirming the batch before it; its own end is confirmed by {@link #awaitInFlight()} once
         * DuckDB committed it.
         */
        void flush() throws SQLException {
            if (batch.isEmpty()) {
                return;
            }
            awaitInFlight();
            List<PendingTransaction> work = List.copyOf(batch);
            crashHook.reached(CrashPoint.RECEIVED);
            long queued = System.nanoTime();
            long[] applyTimes = new long[2];
            inFlight = engine.writeAsync(session -> {
                applyTimes[0] = System.nanoTime();
                ChangeApplier.Outcome outcome =
                        ChangeApplier.apply(session, settings.slotName(), work, settings.mapping(), targets);
                applyTimes[1] = System.nanoTime();
                return outcome;
            });
            if (log.isDebugEnabled()) {
                inFlight.thenAccept(outcome -> log.debug(
                        "CDC batch of {} transaction(s), {} change(s): waited {} ms for the lane, applied in {} ms"
                                + " ({}), committed in {} ms; oldest commit {} ms ago",
                        work.size(),
                        outcome.changes(),
                        (applyTimes[0] - queued) / 1_000_000,
                        (applyTimes[1] - applyTimes[0]) / 1_000_000,
                        outcome.timings(),
                        (System.nanoTime() - applyTimes[1]) / 1_000_000,
                        work.getFirst().commitTime == null
                                ? "?"
                                : System.currentTimeMillis()
                                        - work.getFirst().commitTime.toEpochMilli()));
            }
            inFlightBatch = work;
            applied = work.getLast().commitLsn;
            batch.clear();
            batchChanges = 0;
        }

        /** Whether nothing is on the lane, or what is there has finished. */
        boolean laneFree() {
            return inFlight == null || inFlight.isDone();
        }

        boolean inFlightDone() {
            return inFlight != null && inFlight.isDone();
        }

        /** Waits for the batch on the lane, then confirms its end LSN to PostgreSQL. */
        void awaitInFlight() throws SQLException {
            if (inFlight == null) {
                return;
            }
            ChangeApplier.Outcome outcome;
            try {
                outcome = inFlight.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted while applying changes", e);
            } catch (java.util.concurrent.ExecutionException e) {
                String table = targets.failedTable();
                if (!(e.getCause() instanceof DuckbridgeException d)) {
                    throw new DuckbridgeException(ErrorClass.INTERNAL, "applying changes failed", e.getCause());
                }
                if (table == null || !TableFailures.ofOneTable(d)) {
                    throw d.withContext("applying changes up to " + inFlightBatch.getLast().commitLsn + " failed");
                }
                outcome = applySettingAside(inFlightBatch, table, d);
            } finally {
                inFlight = null;
            }
            List<PendingTransaction> work = inFlightBatch;
            inFlightBatch = null;
            PendingTransaction last = work.getLast();
            appliedChanges.addAndGet(outcome.changes());
            for (PendingTransaction tx : work) {
                if (!tx.changes.isEmpty()) {
                    appliedTransactions.incrementAndGet();
                }
            }
            synchronized (tables) {
                outcome.changesPerTable().forEach((name, n) -> {
                    TableEntry e = tables.get(name);
                    if (e != null) {
                        e.applied.addAndGet(n);
                    }
                });
            }
            reportLossy(outcome.lossy());
            lastAppliedAt = Instant.now();
            oldestPendingCommit = batch.isEmpty() ? null : batch.getFirst().commitTime;
            sample();
            crashHook.reached(CrashPoint.APPLIED);
            LogSequenceNumber end = LogSequenceNumber.valueOf(last.endLsn.value());
            stream.setFlushedLSN(end);
            stream.setAppliedLSN(end);
            stream.forceUpdateStatus();
            confirmedLsn = last.endLsn;
            crashHook.reached(CrashPoint.CONFIRMED);
        }

        /**
         * After a batch failed on {@code table}'s changes: applies the batch again without them and, in the
         * same DuckDB transaction, stores the table in state {@code failed} with the reason — so the position
         * never moves past changes of a table that is still marked as streaming. Repeats while another table
         * fails in turn; the next start copies the tables set aside again.
         */
        private ChangeApplier.Outcome applySettingAside(
                List<PendingTransaction> work, String table, DuckbridgeException failure) {
            Map<String, String> reasons = new java.util.LinkedHashMap<>();
            String failedTable = table;
            DuckbridgeException cause = failure;
            while (true) {
                reasons.put(
                        failedTable,
                        "a change committed at or before " + work.getLast().commitLsn + " could not be applied: "
                                + cause.getMessage());
                List<PendingTransaction> rest = without(work, reasons.keySet());
                Map<String, SourceTable> shapes = new HashMap<>();
                synchronized (tables) {
                    reasons.keySet().forEach(name -> shapes.put(name, tables.get(name).shape));
                }
                try {
                    ChangeApplier.Outcome outcome = engine.write(session -> {
                        ChangeApplier.Outcome applied =
                                ChangeApplier.apply(session, settings.slotName(), rest, settings.mapping(), targets);
                        for (Map.Entry<String, String> r : reasons.entrySet()) {
                            CdcStateStore.saveTable(
                                    session, settings.slotName(), shapes.get(r.getKey()), "failed", null, r.getValue());
                        }
                        return applied;
                    });
                    synchronized (tables) {
                        reasons.forEach((name, reason) -> {
                            TableEntry e = tables.get(name);
                            e.state = "failed";
                            e.error = reason;
                        });
                    }
                    // their changes received since (live() takes no new ones) are dropped once, here
                    java.util.function.Predicate<Change> setAside =
                            c -> reasons.containsKey(c.table().qualifiedName());
                    batchChanges = 0;
                    for (PendingTransaction tx : batch) {
                        tx.changes.removeIf(setAside);
                        batchChanges += tx.changes.size();
                    }
                    if (current != null) {
                        current.changes.removeIf(setAside);
                    }
                    reportFailed(reasons);
                    return outcome;
                } catch (DuckbridgeException again) {
                    String next = targets.failedTable();
                    if (next == null || reasons.containsKey(next) || !TableFailures.ofOneTable(again)) {
                        throw again.withContext("applying changes up to " + work.getLast().commitLsn + " without "
                                + reasons.keySet() + " failed");
                    }
                    failedTable = next;
                    cause = again;
                }
            }
        }

        /**
         * On the way out (stop, crash, lost connection): lets a batch already on the lane finish without
         * confirming it, so the next session reads a settled position from DuckDB.
         */
        void abandonInFlight() {
            java.util.concurrent.CompletableFuture<ChangeApplier.Outcome> f = inFlight;
            inFlight = null;
            if (f != null) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    try {
                        f.join(); // the lane transaction must settle before anyone reads the position again
                    } catch (RuntimeException failed) {
                        log.debug("the last batch failed while stopping: {}", failed.toString());
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    log.debug(
                            "the last batch failed while stopping: {}",
                            e.getCause().toString());
                }
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Copies of {@code work} without the changes to {@code tables} (each a {@code schema.table}). */
    private static List<PendingTransaction> without(List<PendingTransaction> work, java.util.Set<String> tables) {
        List<PendingTransaction> out = new ArrayList<>(work.size());
        for (PendingTransaction tx : work) {
            PendingTransaction copy = new PendingTransaction(tx.commitLsn, tx.commitTime);
            copy.endLsn = tx.endLsn;
            copy.needsResync = tx.needsResync;
            for (Change c : tx.changes) {
                if (!tables.contains(c.table().qualifiedName())) {
                    copy.changes.add(c);
                }
            }
            out.add(copy);
        }
        return out;
    }

    private void sample() {
        long now = System.nanoTime();
        synchronized (rateSamples) {
            rateSamples.addLast(new long[] {now, appliedChanges.get()});
            while (rateSamples.size() > 2 && now - rateSamples.getFirst()[0] > TimeUnit.SECONDS.toNanos(10)) {
                rateSamples.removeFirst();
            }
        }
    }

    private double changesPerSecond() {
        synchronized (rateSamples) {
            if (rateSamples.size() < 2) {
                return 0;
            }
            long[] first = rateSamples.getFirst();
            long[] last = rateSamples.getLast();
            long now = System.nanoTime();
            if (now - last[0] > TimeUnit.SECONDS.toNanos(10)) {
                return 0;
            }
            double seconds = Math.max(1e-3, (now - first[0]) / 1e9);
            return (last[1] - first[1]) / seconds;
        }
    }

    private synchronized ServerView refreshServerView() {
        // synchronized: callers at once (health probes, metrics scrapes, the anonymous health endpoint) share one
        // look per second instead of each opening a connection on the source
        ServerView view = serverView;
        if (view != null && System.nanoTime() - view.atNanos() < TimeUnit.SECONDS.toNanos(1)) {
            return view;
        }
        if (view == null && System.nanoTime() - noSlotAt < TimeUnit.SECONDS.toNanos(1)) {
            return null; // there was no slot a moment ago
        }
        try (Connection c = source.connectForHealthCheck(ReplicationSetup.plainProperties());
                PreparedStatement ps = c.prepareStatement("SELECT pg_current_wal_lsn()::text, restart_lsn::text,"
                        + " confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, settings.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    serverView = null;
                    noSlotAt = System.nanoTime();
                    return null;
                }
                Lsn current = Lsn.parse(rs.getString(1));
                Lsn restart = rs.getString(2) == null ? current : Lsn.parse(rs.getString(2));
                Lsn confirmed = confirmedLsn != null
                        ? confirmedLsn
                        : rs.getString(3) == null ? current : Lsn.parse(rs.getString(3));
                view = new ServerView(
                        System.nanoTime(),
                        System.currentTimeMillis(),
                        current.bytesAfter(confirmed),
                        current.bytesAfter(restart));
                serverView = view;
                return view;
            }
        } catch (SQLException | DuckbridgeException e) {
            // PostgreSQL is away: report unknown lag, and ask again in a few seconds rather than on every call
            serverView =
                    new ServerView(System.nanoTime() + TimeUnit.SECONDS.toNanos(4), System.currentTimeMillis(), -1, -1);
            return serverView;
        }
    }

    private boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void closeStream() {
        PGReplicationStream s = currentStream;
        currentStream = null;
        Connection c = currentReplicationConnection;
        currentReplicationConnection = null;
        if (c != null) {
            try {
                c.close(); // closing the connection ends the stream without confirming anything more
            } catch (SQLException ignored) {
                // the server went away already
            }
        }
        if (s != null && c == null) {
            try {
                s.close();
            } catch (SQLException ignored) {
                // as above
            }
        }
    }

    private static boolean retryable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DuckbridgeException d && d.errorClass() == ErrorClass.SOURCE_UNAVAILABLE) {
                return true;
            }
            if (t instanceof SQLException sql
                    && (PostgresErrors.classify(sql) == ErrorClass.SOURCE_UNAVAILABLE
                            || "55006".equals(sql.getSQLState()))) {
                return true; // 55006: the slot is still held by the walsender of a connection just closed
            }
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /**
     * The way out when PostgreSQL's decoding names an object that does not exist (SQLSTATE 42704): the
     * publication dropped by hand and created again by a start cannot decode the WAL from before it, so stop
     * and start fail the same way until the slot is dropped; empty for other failures.
     */
    private String undefinedObjectHint(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "42704".equals(sql.getSQLState())) {
                return ". If publication " + settings.publicationName() + " was dropped (or another object the"
                        + " stream needs), the slot cannot decode the changes from before it was created again:"
                        + " POST /api/v1/cdc/reset and then POST /api/v1/cdc/start, which copies every table again";
            }
        }
        return "";
    }

    /** What stopped the CDC thread when an {@link Error} did, with what to do about it. */
    private String describeError(Error e) {
        Lsn confirmed = confirmedLsn;
        String resume = "; nothing after " + (confirmed == null ? "the last confirmed position" : confirmed)
                + " was confirmed to PostgreSQL, so POST /api/v1/cdc/start streams those changes again";
        if (e instanceof OutOfMemoryError) {
            return "CDC stopped: the JVM heap ran out while receiving or applying changes (" + e.getMessage()
                    + "). A PostgreSQL transaction is held in memory until its commit arrives: give the service"
                    + " more heap (-Xmx, or a larger container) or split very large transactions into smaller ones"
                    + resume;
        }
        return "CDC stopped by an unexpected error (" + e + ")" + resume;
    }

    /** The slot is gone or unusable; retrying the connection cannot help. */
    static final class SlotLostException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SlotLostException(String message) {
            super(message);
        }
    }
}
