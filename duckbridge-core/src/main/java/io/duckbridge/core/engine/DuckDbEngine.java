package io.duckbridge.core.engine;

import io.duckbridge.core.error.DuckDbErrors;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DuckDB database, opened once, and every connection to it.
 *
 * <p>Reads borrow one of a bounded pool of duplicated connections and run on a bounded executor of
 * platform threads (DuckDB's JNI calls would pin a virtual thread's carrier); a {@link #stream} called
 * from a platform thread while a reader slot is free runs on that thread instead, saving two thread
 * hand-offs per query. Either way
 * at most {@code readers} reads run at once. Every change to live
 * tables goes through the <b>writer lane</b>: a single thread owning the write connection, running
 * work strictly in submission order, so writers never meet DuckDB's write-write conflicts.
 *
 * <p>Timeouts interrupt the running DuckDB query; the connection is usable afterwards. {@link #close()}
 * stops accepting work, lets running work finish within the grace period, cancels what is left,
 * checkpoints and closes every connection; it is idempotent.
 *
 * <p>Thread-safe.
 */
public final class DuckDbEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DuckDbEngine.class);
    private static final List<String> BUILT_IN_EXTENSIONS = List.of("parquet", "json", "icu");
    /** Prepared statements each reader connection keeps for {@link ReadSession#prepareCached}. */
    static final int STATEMENTS_PER_READER = 32;

    private static final Pattern LOCK_HOLDER = Pattern.compile("held in (.+?) \\(PID (\\d+)\\)");

    private final EngineSettings settings;
    private final DuckDBConnection writeConnection;
    private final List<DuckDBConnection> readerConnections;
    private final BlockingQueue<DuckDBConnection> idleReaders;
    private final List<DuckDBConnection> streamingConnections;
    private final List<DuckDBConnection> loadConnections;
    private final BlockingQueue<DuckDBConnection> idleLoadConnections;
    private final BlockingQueue<DuckDBConnection> idleStreamingReaders;
    private final ThreadPoolExecutor readerExecutor;
    private final ThreadPoolExecutor writerExecutor;
    private final ScheduledExecutorService timer;
    private final Map<DuckDBConnection, StatementCache> statementCaches = new IdentityHashMap<>();
    /** Work finished on the writer lane (checkpoints aside); reader statement caches are emptied when it moves. */
    private final AtomicLong laneWrites = new AtomicLong();

    private final Set<ReadSession> activeSessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger readersInUse = new AtomicInteger();
    private final AtomicInteger peakReadersInUse = new AtomicInteger();
    /** One permit per reader: taken by every read, on a reader thread or on its caller's thread. */
    private final Semaphore readSlots;
    /** Streams running on their callers' threads; close() waits for them. */
    private final AtomicInteger callerStreams = new AtomicInteger();

    private final AtomicBoolean closed = new AtomicBoolean();
    private final long memoryLimitBytes;
    private final int threads;
    private final Map<String, Boolean> extensions;
    private final String duckdbVersion;

    /**
     * Database files an engine of this process has open. DuckDB shares one instance per file within a
     * process, so a second engine on the same file would get the first one's instance, with its sandbox and
     * locked configuration, and fail in a confusing way (seen as a PERMISSION error about the extension
     * directory when a second Spring context started on the same data directory).
     */
    private static final Set<Path> OPEN_FILES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path openFile;

    private DuckDbEngine(EngineSettings settings, ResourcePlanner planner) {
        this.settings = settings;
        this.memoryLimitBytes = settings.resolveMemoryLimit(planner);
        this.threads = settings.threads() != null ? settings.threads() : planner.plannedThreads();
        int readers = settings.readers() > 0 ? settings.readers() : Math.max(2, threads);
        this.openFile = settings.inMemory()
                ? null
                : Path.of(settings.databasePath()).toAbsolutePath().normalize();
        if (openFile != null && !OPEN_FILES.add(openFile)) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    "DuckDB file " + openFile + " is already open in this process (another Duckbridge engine, e.g. a"
                            + " second application context); close that one first, or give each its own"
                            + " duckbridge.data-dir");
        }
        try {
            this.writeConnection = openDatabase(settings, memoryLimitBytes, threads);
        } catch (RuntimeException e) {
            forgetFile();
            throw e;
        }
        List<DuckDBConnection> opened = new ArrayList<>();
        List<DuckDBConnection> streaming = new ArrayList<>();
        List<DuckDBConnection> loaders = new ArrayList<>();
        try {
            this.extensions = loadExtensions(settings);
            this.duckdbVersion = queryString("SELECT version()");
            try (Statement st = writeConnection.createStatement()) {
                st.execute("CREATE SCHEMA IF NOT EXISTS public");
                st.execute(SET_SEARCH_PATH);
            }
            for (int i = 0; i < readers; i++) {
                opened.add(openSession(writeConnection, SET_SEARCH_PATH, PROGRESS_ESTIMATE, NO_PROGRESS_BAR_OUTPUT));
            }
            for (int i = 0; i < readers; i++) {
                streaming.add(openSession(writeConnection, STREAMING_READER_SETTINGS));
            }
            for (int i = 0; i < Math.min(MAX_LOAD_CONNECTIONS, Math.max(2, threads)); i++) {
                DuckDBConnection loader = openSession(writeConnection, SET_SEARCH_PATH, UNORDERED_INSERTS);
                loaders.add(loader);
                loader.setAutoCommit(false);
            }
            if (settings.sandbox() != null) {
                applySandbox(writeConnection, settings);
            }
        } catch (SQLException | RuntimeException e) {
            closeQuietly(loaders);
            closeQuietly(streaming);
            closeQuietly(opened);
            closeQuietly(List.of(writeConnection));
            forgetFile();
            throw e instanceof SQLException sql
                    ? DuckDbErrors.wrap("opening " + settings.databasePath(), sql)
                    : (RuntimeException) e;
        }
        for (DuckDBConnection reader : opened) {
            statementCaches.put(reader, new StatementCache(STATEMENTS_PER_READER));
        }
        for (DuckDBConnection reader : streaming) {
            statementCaches.put(reader, new StatementCache(STATEMENTS_PER_READER));
        }
        this.readerConnections = List.copyOf(opened);
        this.idleReaders = new ArrayBlockingQueue<>(readers, false, opened);
        this.streamingConnections = List.copyOf(streaming);
        this.loadConnections = List.copyOf(loaders);
        this.idleLoadConnections = new ArrayBlockingQueue<>(loaders.size(), false, loaders);
        this.idleStreamingReaders = new ArrayBlockingQueue<>(readers, false, streaming);
        this.readSlots = new Semaphore(readers, true);
        this.readerExecutor = new ThreadPoolExecutor(
                readers,
                readers,
                0,
                TimeUnit.MILLISECONDS,
                settings.readerQueue() == 0
                        ? new java.util.concurrent.SynchronousQueue<>()
                        : new ArrayBlockingQueue<>(settings.readerQueue()),
                named("duckbridge-reader-", false));
        this.writerExecutor = new ThreadPoolExecutor(
                1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), named("duckbridge-writer-", false));
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, named("duckbridge-timer-", true));
        scheduler.setRemoveOnCancelPolicy(true);
        this.timer = scheduler;
        log.info(
                "DuckDB {} opened {} (memory_limit={}, threads={}, readers={})",
                duckdbVersion,
                settings.databasePath(),
                DataSizes.format(memoryLimitBytes),
                threads,
                readers);
    }

    /** Opens the database described by {@code settings}, planning unset values from this process. */
    public static DuckDbEngine open(EngineSettings settings) {
        return open(settings, ResourcePlanner.forThisProcess());
    }

    /**
     * Opens the database with an explicit planner.
     *
     * @throws DuckbridgeException CONFLICT when another process holds the file (the message names it),
     *     INVALID_REQUEST for a setting DuckDB rejects, IO when the file cannot be opened
     */
    public static DuckDbEngine open(EngineSettings settings, ResourcePlanner planner) {
        return new DuckDbEngine(settings, planner);
    }

    public EngineSettings settings() {
        return settings;
    }

    // ---- reads ---------------------------------------------------------------------------------

    /**
     * Runs {@code work} on a reader connection and waits for it.
     *
     * @param timeout how long the work may run before its DuckDB query is interrupted; null for none
     * @throws DuckbridgeException TIMEOUT after the timeout, CANCELLED when the caller's thread is
     *     interrupted, SOURCE_UNAVAILABLE when the reader queue is full or the engine is closed, or the
     *     class of the DuckDB error
     */
    public <T> T read(Duration timeout, ReadWork<T> work) {
        return await(readAsync(timeout, work));
    }

    /** Runs {@code work} on a reader without a timeout; see {@link #read(Duration, ReadWork)}. */
    public <T> T read(ReadWork<T> work) {
        return read(null, work);
    }

    /**
     * Submits {@code work} to the reader pool. Cancelling the returned future interrupts the DuckDB
     * query. The future fails with a {@link DuckbridgeException}.
     */
    public <T> CompletableFuture<T> readAsync(Duration timeout, ReadWork<T> work) {
        return submitRead(idleReaders, timeout, work);
    }

    /**
     * Runs {@code work} on a <b>streaming</b> reader and returns its result. Streaming readers hand out result
     * rows as DuckDB produces them ({@code jdbc_stream_results}), so memory does not grow with the result,
     * and record DuckDB's peak memory of each query ({@code enable_profiling = 'no_output'} tracking only
     * {@code system.peak_buffer_memory} and {@code system.peak_streaming_buffer_size}), readable with
     * {@link DuckDBConnection#getProfilingInformation}; for a full profile run {@code EXPLAIN (ANALYZE,
     * FORMAT JSON)} on a {@link #read} connection. A streaming connection allows one open result at
     * a time: consume or close a result before running the next statement in the same work. Streaming
     * reads share the reader slots (and queue bound) with {@link #read}.
     *
     * <p>Called from a platform thread when a reader slot is free, the work runs <b>on that thread</b> (no
     * hand-off to a reader thread and back, which costs two wake-ups per query). When every slot is busy, or
     * from a virtual thread (DuckDB's JNI calls would pin its carrier), it is queued for a reader thread as
     * before. The timeout and the engine's shutdown cancel the DuckDB query either way; work running on the
     * caller's thread does not see the caller's interrupt. Fails as {@link #read}.
     */
    public <T> T stream(Duration timeout, ReadWork<T> work) {
        if (Thread.currentThread().isVirtual()) {
            return await(streamAsync(timeout, work));
        }
        return streamOnCaller(timeout, work);
    }

    /**
     * Runs {@code work} on this thread when a reader slot is free at once (no one waiting before it), else
     * queues it for a reader thread like {@link #streamAsync}: when every slot is busy, reader threads take
     * queued work one after another without sleeping in between, which beats waking each waiting caller.
     */
    private <T> T streamOnCaller(Duration timeout, ReadWork<T> work) {
        SessionFuture<T> ran = runOnCallerIfFree(idleStreamingReaders, timeout, work);
        return ran != null ? await(ran) : awaitQueued(submitRead(idleStreamingReaders, timeout, work), timeout);
    }

    /**
     * Waits for queued work, at most {@code timeout} for a reader to take it: work no reader took by then never
     * runs and fails TIMEOUT (a query's timeout covers its wait for a reader, not only its run). Work a reader
     * took is waited for to its end, which its own timer bounds.
     */
    private <T> T awaitQueued(SessionFuture<T> future, Duration timeout) {
        if (timeout == null) {
            return await(future);
        }
        try {
            future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            if (future.abandon()) {
                future.completeExceptionally(waitedTooLong(timeout));
            }
        } catch (InterruptedException | ExecutionException | CancellationException e) {
            // await answers these as it does for every read (and restores the interrupt)
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        return await(future);
    }

    private DuckbridgeException waitedTooLong(Duration timeout) {
        return new DuckbridgeException(
                ErrorClass.TIMEOUT,
                "the query waited its whole timeout of " + timeout.toMillis() + " ms for one of the "
                        + readerConnections.size() + " DuckDB readers, all busy; retry later, or raise"
                        + " duckbridge.duckdb.readers");
    }

    /**
     * Runs {@code work} on this thread with a connection of {@code pool} when a reader slot is free at once (no
     * one waiting before it) and returns its completed future; null, having run nothing, when no slot is free.
     */
    private <T> SessionFuture<T> runOnCallerIfFree(
            BlockingQueue<DuckDBConnection> pool, Duration timeout, ReadWork<T> work) {
        callerStreams.incrementAndGet();
        boolean slot = false;
        try {
            // counted before the check, so close() either sees this read or this read sees it closed
            ensureOpen();
            slot = readSlots.tryAcquire(0, TimeUnit.NANOSECONDS); // in turn: waiting reader threads go first
            if (!slot) {
                return null;
            }
            DuckDBConnection connection = pool.poll();
            if (connection == null) {
                throw new DuckbridgeException(ErrorClass.INTERNAL, "no idle reader connection with a free slot");
            }
            int inUse = readersInUse.incrementAndGet();
            peakReadersInUse.accumulateAndGet(inUse, Math::max);
            var future = new SessionFuture<T>();
            try {
                runSession(connection, timeout, timeout, work, future, false);
            } finally {
                readersInUse.decrementAndGet();
                pool.add(connection);
            }
            return future;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted while waiting for a DuckDB reader", e);
        } finally {
            if (slot) {
                readSlots.release();
            }
            callerStreams.decrementAndGet();
        }
    }

    /** Submits {@code work} to a streaming reader; see {@link #stream} and {@link #readAsync}. */
    public <T> CompletableFuture<T> streamAsync(Duration timeout, ReadWork<T> work) {
        return submitRead(idleStreamingReaders, timeout, work);
    }

    /** Queues {@code work} for a reader thread that will run it on a connection from {@code pool}. */
    private <T> SessionFuture<T> submitRead(BlockingQueue<DuckDBConnection> pool, Duration timeout, ReadWork<T> work) {
        ensureOpen();
        var future = new SessionFuture<T>();
        // the timeout bounds the wait for a reader too: what a caller waits for is the answer
        long submitted = System.nanoTime();
        try {
            readerExecutor.execute(new Task(future, () -> runRead(pool, timeout, submitted, work, future)));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(
                    closed.get()
                            ? closedError()
                            : new DuckbridgeException(
                                    ErrorClass.SOURCE_UNAVAILABLE,
                                    "all " + readerConnections.size() + " readers are busy and "
                                            + settings.readerQueue() + " reads are waiting; retry later"));
        }
        return future;
    }

    private <T> void runRead(
            BlockingQueue<DuckDBConnection> pool,
            Duration timeout,
            long submitted,
            ReadWork<T> work,
            SessionFuture<T> future) {
        if (future.isDone()) {
            return;
        }
        try {
            readSlots.acquire(); // streams on callers' threads may hold slots
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(new DuckbridgeException(
                    ErrorClass.CANCELLED, "cancelled while waiting for a reader: the engine is shutting down", e));
            return;
        }
        try {
            if (!future.start()) {
                return; // its caller stopped waiting for a reader (see awaitQueued)
            }
            Duration left = timeout == null ? null : timeout.minusNanos(System.nanoTime() - submitted);
            if (left != null && !left.isPositive()) {
                future.completeExceptionally(waitedTooLong(timeout));
                return;
            }
            DuckDBConnection connection = pool.poll();
            if (connection == null) {
                future.completeExceptionally(new DuckbridgeException(ErrorClass.INTERNAL, "no idle reader connection"));
                return;
            }
            int inUse = readersInUse.incrementAndGet();
            peakReadersInUse.accumulateAndGet(inUse, Math::max);
            try {
                // the deadline is what the wait left; a TIMEOUT still names the timeout that was asked for
                runSession(connection, timeout, left, work, future, false);
            } finally {
                readersInUse.decrementAndGet();
                pool.add(connection);
            }
        } finally {
            readSlots.release();
        }
    }

    // ---- writes --------------------------------------------------------------------------------

    /** Runs {@code work} in one transaction on the writer lane and waits for its commit. */
    public <T> T write(WriteWork<T> work) {
        return await(writeAsync(work));
    }

    /**
     * Queues {@code work} on the writer lane. Work runs one at a time in submission order, inside one
     * transaction: committed when it returns, rolled back when it throws.
     */
    public <T> CompletableFuture<T> writeAsync(WriteWork<T> work) {
        return submitToLane(true, true, work);
    }

    /**
     * Queues {@code work} on the writer lane without a surrounding transaction, for statements DuckDB
     * refuses inside one ({@code CHECKPOINT}, {@code ATTACH}) or work that commits by itself.
     */
    public <T> CompletableFuture<T> laneAsync(WriteWork<T> work) {
        return submitToLane(false, true, work);
    }

    /** Runs {@code sql} on the writer lane outside a transaction and waits. */
    public void executeOnLane(String sql) {
        await(laneAsync(session -> {
            try (Statement st = session.statement()) {
                st.execute(sql);
            }
            return null;
        }));
    }

    /** Forces a checkpoint through the writer lane (which changes no table: reader statements stay). */
    public void checkpoint() {
        await(submitToLane(false, false, session -> {
            try (Statement st = session.statement()) {
                st.execute("CHECKPOINT");
            }
            return null;
        }));
    }

    /**
     * A checkpoint through the writer lane that may be postponed: DuckDB refuses {@code CHECKPOINT} while
     * another connection's transaction is open (a concurrent reader's, say). Committed work is in the WAL
     * either way and reaches the file at DuckDB's next automatic checkpoint, so callers that only want the WAL
     * folded (after a restore, before a backup copy) go on; the reason is logged.
     *
     * @return whether the checkpoint ran
     */
    public boolean tryCheckpoint(String after) {
        try {
            checkpoint();
            return true;
        } catch (DuckbridgeException e) {
            log.warn("checkpoint {} postponed: {}", after, e.getMessage());
            return false;
        }
    }

    private <T> CompletableFuture<T> submitToLane(boolean transactional, boolean mayChangeCatalog, WriteWork<T> work) {
        ensureOpen();
        var future = new SessionFuture<T>();
        try {
            ReadWork<T> inner = transactional ? session -> inTransaction(session, work) : work::run;
            // counted after the commit and before the caller hears of it, so a query it runs next prepares anew
            ReadWork<T> body = !mayChangeCatalog
                    ? inner
                    : session -> {
                        try {
                            return inner.run(session);
                        } finally {
                            laneWrites.incrementAndGet();
                        }
                    };
            writerExecutor.execute(new Task(future, () -> {
                if (!future.isDone()) {
                    runSession(writeConnection, null, null, body, future, true);
                }
            }));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(closedError());
        }
        return future;
    }

    private static <T> T inTransaction(ReadSession session, WriteWork<T> work) throws Exception {
        DuckDBConnection c = session.connection();
        c.setAutoCommit(false);
        try {
            T result = work.run(session);
            c.commit();
            return result;
        } catch (Exception | Error e) {
            try {
                c.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    // ---- sessions ------------------------------------------------------------------------------

    /**
     * Runs {@code work} on {@code connection} and completes {@code future} with its outcome.
     *
     * @param timeout the timeout the caller asked for, which a TIMEOUT names; null for none
     * @param remaining the time left of it when the work starts (less than {@code timeout} after a wait for a
     *     reader): the session is cancelled when it runs out; null for no deadline
     */
    private <T> void runSession(
            DuckDBConnection connection,
            Duration timeout,
            Duration remaining,
            ReadWork<T> work,
            SessionFuture<T> future,
            boolean lane) {
        StatementCache cache = lane ? null : statementCaches.get(connection);
        if (cache != null) {
            cache.reset(laneWrites.get());
        }
        var session = new ReadSession(connection, cache);
        future.session = session;
        activeSessions.add(session);
        ScheduledFuture<?> deadline = remaining == null
                ? null
                : timer.schedule(session::timeout, Math.max(1, remaining.toMillis()), TimeUnit.MILLISECONDS);
        try {
            if (future.isCancelled()) {
                return;
            }
            future.complete(work.run(session));
        } catch (SQLException e) {
            future.completeExceptionally(translate(session, timeout, e));
        } catch (DuckbridgeException e) {
            // work that classified DuckDB's error itself (a result failing while it streams) was interrupted
            // by its timeout or a cancel when DuckDB says so
            DuckbridgeException stopped = e.errorClass() == ErrorClass.CANCELLED ? stopped(session, timeout, e) : null;
            future.completeExceptionally(stopped != null ? stopped : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(new DuckbridgeException(ErrorClass.CANCELLED, "interrupted", e));
        } catch (java.io.IOException e) {
            future.completeExceptionally(new DuckbridgeException(ErrorClass.IO, e.toString(), e));
        } catch (OutOfMemoryError e) {
            // one value or row too large for the JVM's heap (the driver builds each value as a Java object): the
            // allocation failed on this thread alone and its objects are garbage now; the caller can retry smaller
            future.completeExceptionally(new DuckbridgeException(
                    ErrorClass.OUT_OF_MEMORY,
                    "the JVM heap ran out while handling the result (" + e.getMessage() + "): a value or row is too"
                            + " large for the server's heap; ask for smaller values (e.g. left(s, 1000)) or use Arrow,"
                            + " CSV or Parquet, or raise the heap (-Xmx)",
                    e));
        } catch (Exception | Error e) {
            future.completeExceptionally(DuckbridgeException.unexpected(e));
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            activeSessions.remove(session);
            session.closeStatements(!future.isDone() || future.isCompletedExceptionally());
            if (lane) {
                resetAfterLaneWork(connection);
            } else if (future.isCompletedExceptionally()) {
                endOpenTransaction(connection);
            }
        }
    }

    /**
     * After failed work on a reader: ends a transaction the work began with SQL ({@code BEGIN TRANSACTION}) and
     * could not end, so the connection goes back to the pool clean. Without this, one failed import (its
     * {@code ROLLBACK} went through a statement DuckDB's driver had closed with the error) left a reader in an
     * aborted transaction, and every later import, export and backup that drew it failed until a restart.
     * Only after a failure, so the query path pays nothing; "no transaction is active" is the usual answer.
     */
    private static void endOpenTransaction(DuckDBConnection connection) {
        try (Statement st = connection.createStatement()) {
            st.execute("ROLLBACK");
            log.debug("rolled back a transaction that failed work on a reader left open");
        } catch (SQLException noTransaction) {
            // nothing was open
        }
    }

    private static void resetAfterLaneWork(DuckDBConnection connection) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            log.warn("resetting the writer connection failed: {}", e.getMessage());
        }
    }

    private DuckbridgeException translate(ReadSession session, Duration timeout, SQLException e) {
        DuckbridgeException stopped = stopped(session, timeout, e);
        return stopped != null ? stopped : DuckDbErrors.wrap(e);
    }

    /** TIMEOUT or CANCELLED when the session was stopped by its deadline or a cancel; null otherwise. */
    private DuckbridgeException stopped(ReadSession session, Duration timeout, Exception e) {
        if (session.timedOut()) {
            return new DuckbridgeException(
                    ErrorClass.TIMEOUT,
                    "the query ran longer than its timeout of " + timeout.toMillis() + " ms and was cancelled",
                    e);
        }
        if (session.cancelled()) {
            return new DuckbridgeException(
                    ErrorClass.CANCELLED,
                    closed.get() ? "cancelled: the engine is shutting down" : "the query was cancelled",
                    e);
        }
        return null;
    }

    private <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted while waiting for DuckDB", e);
        } catch (CancellationException e) {
            throw new DuckbridgeException(ErrorClass.CANCELLED, "the query was cancelled", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DuckbridgeException d) {
                // rethrow with this thread's stack, keeping the class and position
                throw new DuckbridgeException(d.errorClass(), d.getMessage(), d, d.position());
            }
            throw DuckbridgeException.unexpected(e.getCause());
        }
    }

    /** Queued work with its future, so work dropped by a forced shutdown still completes its future. */
    private record Task(CompletableFuture<?> future, Runnable body) implements Runnable {
        @Override
        public void run() {
            body.run();
        }

        void abort(DuckbridgeException reason) {
            future.completeExceptionally(reason);
        }
    }

    /** A future that interrupts its DuckDB query when cancelled. */
    private static final class SessionFuture<T> extends CompletableFuture<T> {
        volatile ReadSession session;
        /** 0 queued, 1 taken by a reader, 2 given up by its caller before a reader took it. */
        private final AtomicInteger state = new AtomicInteger();

        /** Whether a reader may run the work: false when its caller gave up waiting first. */
        boolean start() {
            return state.compareAndSet(0, 1);
        }

        /** Whether the caller gave the work up before any reader took it (it never runs then). */
        boolean abandon() {
            return state.compareAndSet(0, 2);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            ReadSession s = session;
            if (s != null) {
                s.cancel();
            }
            return cancelled;
        }
    }

    // ---- status --------------------------------------------------------------------------------

    private volatile EngineStatus lastStatus;

    /**
     * The effective settings and current resource use, read from DuckDB. Health probes and metrics scrapes call
     * this: it reads on the caller's thread when a reader is free at once (no read waiting before it), and
     * otherwise answers at once with the last status read (DuckDB's own numbers as they were then) and the
     * pool's counts as they are now. It never queues behind queries: probes that waited timed out and took a
     * busy service out of rotation, and reads left queued by given-up probes filled the reader queue.
     */
    public EngineStatus status() {
        SessionFuture<EngineStatus> ran = runOnCallerIfFree(idleReaders, Duration.ofSeconds(10), this::readStatus);
        if (ran == null) {
            return lastStatusNow();
        }
        EngineStatus read = await(ran);
        lastStatus = read;
        return read;
    }

    /** The last status read, with the pool's counts as they are now; -1 and null for what was never read. */
    private EngineStatus lastStatusNow() {
        EngineStatus last = lastStatus;
        return new EngineStatus(
                settings.databasePath(),
                databaseSizeBytes(),
                last == null ? null : last.memoryLimit(),
                memoryLimitBytes,
                last == null ? -1 : last.memoryUsageBytes(),
                last == null ? -1 : last.threads(),
                last == null ? null : last.tempDirectory(),
                last == null ? -1 : last.tempDirectorySizeBytes(),
                duckdbVersion,
                extensions,
                readerConnections.size(),
                readersInUse.get(),
                readerExecutor.getQueue().size(),
                writerExecutor.getQueue().size());
    }

    private EngineStatus readStatus(ReadSession session) throws SQLException {
        String memoryLimit;
        int effectiveThreads;
        String tempDirectory;
        long memoryUsage;
        try (Statement st = session.statement();
                ResultSet rs = st.executeQuery("SELECT current_setting('memory_limit'),"
                        + " current_setting('threads'), current_setting('temp_directory'),"
                        + " (SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory())")) {
            rs.next();
            memoryLimit = rs.getString(1);
            effectiveThreads = rs.getInt(2);
            tempDirectory = rs.getString(3);
            memoryUsage = rs.getLong(4);
        }
        return new EngineStatus(
                settings.databasePath(),
                databaseSizeBytes(),
                memoryLimit,
                memoryLimitBytes,
                memoryUsage,
                effectiveThreads,
                tempDirectory,
                directorySize(tempDirectory),
                duckdbVersion,
                extensions,
                readerConnections.size(),
                // not counting this status read itself, which holds a reader too
                Math.max(0, readersInUse.get() - 1),
                readerExecutor.getQueue().size(),
                writerExecutor.getQueue().size());
    }

    /** Reads queued for a reader thread; for tests. */
    int readsQueued() {
        return readerExecutor.getQueue().size();
    }

    /** The most readers ever in use at once since open; for tests and metrics. */
    public int peakReadersInUse() {
        return peakReadersInUse.get();
    }

    public int readerPoolSize() {
        return readerConnections.size();
    }

    /** Bytes of the database file and its WAL; 0 for an in-memory database. */
    public long databaseSizeBytes() {
        if (settings.inMemory()) {
            return 0;
        }
        return fileSize(Path.of(settings.databasePath())) + fileSize(Path.of(settings.databasePath() + ".wal"));
    }

    public String duckdbVersion() {
        return duckdbVersion;
    }

    /** Whether each built-in, required and optional extension is loaded. */
    public Map<String, Boolean> extensions() {
        return extensions;
    }

    public boolean isClosed() {
        return closed.get();
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    /**
     * Stops accepting work, lets running and queued work finish within the grace period, cancels what is
     * left, checkpoints a file database and closes every connection. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long graceNanos = settings.closeGracePeriod().toNanos();
        long deadline = System.nanoTime() + graceNanos;
        readerExecutor.shutdown();
        writerExecutor.shutdown();
        boolean drained = awaitTermination(readerExecutor, deadline)
                && awaitTermination(writerExecutor, deadline)
                && awaitCallerStreams(deadline);
        if (!drained) {
            log.warn(
                    "work still running after the close grace period of {}; cancelling it",
                    settings.closeGracePeriod());
            activeSessions.forEach(ReadSession::cancel);
            Stream.concat(readerExecutor.shutdownNow().stream(), writerExecutor.shutdownNow().stream())
                    .filter(Task.class::isInstance)
                    .forEach(task -> ((Task) task)
                            .abort(new DuckbridgeException(
                                    ErrorClass.CANCELLED, "cancelled before it started: the engine is shutting down")));
            long cancelDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            awaitTermination(readerExecutor, cancelDeadline);
            awaitTermination(writerExecutor, cancelDeadline);
            if (!awaitCallerStreams(cancelDeadline)) {
                log.warn("{} streams on callers' threads did not end after cancelling", callerStreams.get());
            }
        }
        timer.shutdownNow();
        if (!settings.inMemory()) {
            try (Statement st = writeConnection.createStatement()) {
                st.execute("CHECKPOINT");
            } catch (SQLException e) {
                log.warn("checkpoint on close failed (the WAL is replayed at the next open): {}", e.getMessage());
            }
        }
        // a query that did not stop when cancelled still holds its connection's lock, and closing that
        // connection would wait for it forever: such connections are left open (seen with DuckDB 2.0 when a
        // Parquet COPY is interrupted: its aborting file writer can wait for a write task that never runs)
        Set<DuckDBConnection> stuck = Collections.newSetFromMap(new IdentityHashMap<>());
        activeSessions.forEach(session -> stuck.add(session.connection()));
        if (!stuck.isEmpty()) {
            log.error(
                    "DuckDB queries still running after cancel: {}; their connections are left open so that"
                            + " closing does not hang",
                    stuck.size());
        }
        statementCaches.forEach((connection, cache) -> {
            if (!stuck.contains(connection)) {
                cache.closeAll();
            }
        });
        closeQuietly(loadConnections, stuck);
        closeQuietly(streamingConnections, stuck);
        closeQuietly(readerConnections, stuck);
        closeQuietly(List.of(writeConnection), stuck);
        forgetFile();
        log.info("DuckDB {} closed", settings.databasePath());
    }

    private void forgetFile() {
        if (openFile != null) {
            OPEN_FILES.remove(openFile);
        }
    }

    private static boolean awaitTermination(ThreadPoolExecutor executor, long deadlineNanos) {
        try {
            return executor.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits until no stream runs on a caller's thread, or the deadline; whether none is left. */
    private boolean awaitCallerStreams(long deadlineNanos) {
        while (callerStreams.get() > 0) {
            if (System.nanoTime() >= deadlineNanos || Thread.currentThread().isInterrupted()) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw closedError();
        }
    }

    private DuckbridgeException closedError() {
        return new DuckbridgeException(
                ErrorClass.SOURCE_UNAVAILABLE, "the DuckDB engine for " + settings.databasePath() + " is closed");
    }

    // ---- opening -------------------------------------------------------------------------------

    private static DuckDBConnection openDatabase(EngineSettings settings, long memoryLimitBytes, int threads) {
        Properties config = new Properties();
        config.setProperty("memory_limit", DataSizes.format(memoryLimitBytes));
        config.setProperty("threads", Integer.toString(threads));
        config.setProperty("preserve_insertion_order", Boolean.toString(settings.preserveInsertionOrder()));
        config.setProperty("autoinstall_known_extensions", "false");
        if (settings.tempDirectory() != null) {
            config.setProperty("temp_directory", settings.tempDirectory().toString());
        }
        if (settings.maxTempDirectorySize() != null) {
            config.setProperty("max_temp_directory_size", settings.maxTempDirectorySize());
        }
        if (settings.extensionDirectory() != null) {
            config.setProperty(
                    "extension_directory", settings.extensionDirectory().toString());
        }
        String path = settings.databasePath();
        if (!settings.inMemory()) {
            Path parent = Path.of(path).toAbsolutePath().getParent();
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new DuckbridgeException(
                        ErrorClass.IO, "cannot create the directory " + parent + " for the DuckDB file: " + e, e);
            }
        }
        try {
            return (DuckDBConnection)
                    DriverManager.getConnection("jdbc:duckdb:" + (settings.inMemory() ? "" : path), config);
        } catch (SQLException e) {
            throw openError(path, e);
        }
    }

    private static DuckbridgeException openError(String path, SQLException e) {
        String message = String.valueOf(e.getMessage());
        Matcher holder = LOCK_HOLDER.matcher(message);
        if (holder.find()) {
            return new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    "DuckDB file " + path + " is locked by another process: PID " + holder.group(2) + " ("
                            + holder.group(1) + "); stop it, or send the command through that server with"
                            + " --url http://HOST:PORT",
                    e);
        }
        DuckbridgeException wrapped = DuckDbErrors.wrap("cannot open DuckDB file " + path, e);
        if (wrapped.errorClass() == ErrorClass.INVALID_REQUEST || wrapped.errorClass() == ErrorClass.INTERNAL) {
            return new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, wrapped.getMessage() + " (check the duckbridge.duckdb.* settings)", e);
        }
        return wrapped;
    }

    /** Where unqualified table names are looked up: DuckDB's own schema, then PostgreSQL's default one. */
    public static final String SEARCH_PATH = "main,public";

    /**
     * Resolves unqualified names as PostgreSQL does for synced tables: after {@code main}, in {@code public}
     * (created empty on the write connection when missing), so {@code SELECT * FROM orders} finds the copy of
     * {@code public.orders}. New tables without a schema still go to {@code main}. Made on every connection.
     */
    private static final String SET_SEARCH_PATH = "SET search_path = '" + SEARCH_PATH + "'";

    /**
     * The streaming readers' settings: results streamed rather than materialized, and profiling of only what the
     * query metrics read (rendering the full profile after every query cost more than the small query itself).
     */
    private static final String[] STREAMING_READER_SETTINGS = {
        SET_SEARCH_PATH,
        "SET SESSION jdbc_stream_results = true",
        "SET enable_profiling = 'no_output'",
        "SET tracked_metrics = ['system.peak_buffer_memory', 'system.peak_streaming_buffer_size']"
    };

    /**
     * The (materializing) readers keep DuckDB's estimate of a running query's progress, which an export's job
     * reports ({@code DuckDBPreparedStatement#getQueryProgress}); never printed. Session settings, made when the
     * engine opens: the sandbox's configuration lock refuses them later.
     */
    private static final String PROGRESS_ESTIMATE = "SET SESSION enable_progress_bar = true";

    private static final String NO_PROGRESS_BAR_OUTPUT = "SET SESSION enable_progress_bar_print = false";

    /** The load connections' setting: DuckDB may insert in any order, and so from all its threads at once. */
    private static final String UNORDERED_INSERTS = "SET SESSION preserve_insertion_order = false";

    /**
     * A new connection to the database with {@code sessionSettings} made on it — before the sandbox's
     * {@code lock_configuration}, which refuses them later; closed again when one fails.
     */
    private static DuckDBConnection openSession(DuckDBConnection writeConnection, String... sessionSettings)
            throws SQLException {
        DuckDBConnection c = writeConnection.duplicate();
        try (Statement st = c.createStatement()) {
            for (String setting : sessionSettings) {
                st.execute(setting);
            }
        } catch (SQLException e) {
            closeQuietly(List.of(c));
            throw e;
        }
        return c;
    }

    /** Connections kept for bulk loads (see {@link #loadConnection}); more loads at once get plain ones. */
    static final int MAX_LOAD_CONNECTIONS = 8;

    /**
     * A connection for bulk loads into tables nobody reads yet (staging tables), in manual-commit mode. When
     * {@link LoadConnection#unordered()}, it does not preserve insertion order, so DuckDB runs an
     * {@code INSERT ... SELECT} from a parallel source on all its threads at once; such connections are set up
     * when the engine opens (the session setting is refused once the sandbox locks the configuration) and
     * shared by concurrent loads; when all are taken, a fresh connection that keeps DuckDB's default is given.
     * Closing the returned lease rolls back what was not committed and gives the connection back.
     *
     * @throws DuckbridgeException SOURCE_UNAVAILABLE when the engine is closed
     */
    public LoadConnection loadConnection() {
        ensureOpen();
        DuckDBConnection pooled = idleLoadConnections.poll();
        if (pooled != null) {
            return new LoadConnection(pooled, true, c -> {
                if (!closed.get()) {
                    idleLoadConnections.offer(c);
                }
            });
        }
        DuckDBConnection fresh = await(laneAsync(session -> {
            DuckDBConnection c = session.connection().duplicate();
            c.setAutoCommit(false);
            return c;
        }));
        return new LoadConnection(fresh, false, c -> closeQuietly(List.of(c)));
    }

    /**
     * Applies DuckDB's database-wide sandbox: allowed directories (plus the temp and extension
     * directories the engine was given), allowed paths, external access off, and the configuration lock.
     */
    private static void applySandbox(DuckDBConnection connection, EngineSettings settings) throws SQLException {
        EngineSandbox sandbox = settings.sandbox();
        List<String> directories = new ArrayList<>();
        sandbox.allowedDirectories().forEach(p -> directories.add(p.toString()));
        if (settings.tempDirectory() != null) {
            directories.add(
                    settings.tempDirectory().toAbsolutePath().normalize().toString());
        }
        if (settings.extensionDirectory() != null) {
            directories.add(
                    settings.extensionDirectory().toAbsolutePath().normalize().toString());
        }
        try (Statement st = connection.createStatement()) {
            st.execute("SET allowed_directories = " + listLiteral(directories));
            if (!sandbox.allowedPaths().isEmpty()) {
                st.execute("SET allowed_paths = " + listLiteral(sandbox.allowedPaths()));
            }
            st.execute("SET enable_external_access = false");
            if (sandbox.lockConfiguration()) {
                st.execute("SET lock_configuration = true");
            }
        }
        log.info(
                "DuckDB sandbox on: external access limited to {}{}{}",
                directories,
                sandbox.allowedPaths().isEmpty() ? "" : " and " + sandbox.allowedPaths(),
                sandbox.lockConfiguration() ? ", configuration locked" : "");
    }

    /** A DuckDB list of string literals; quotes are doubled (SET takes no parameters). */
    private static String listLiteral(List<String> values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "" : ", ")
                    .append('\'')
                    .append(values.get(i).replace("'", "''"))
                    .append('\'');
        }
        return b.append(']').toString();
    }

    private Map<String, Boolean> loadExtensions(EngineSettings settings) throws SQLException {
        Map<String, Boolean> loaded = new LinkedHashMap<>();
        Map<String, Boolean> present = new LinkedHashMap<>();
        try (Statement st = writeConnection.createStatement();
                ResultSet rs = st.executeQuery("SELECT extension_name, loaded FROM duckdb_extensions()")) {
            while (rs.next()) {
                present.put(rs.getString(1), rs.getBoolean(2));
            }
        }
        for (String name : BUILT_IN_EXTENSIONS) {
            if (!Boolean.TRUE.equals(present.get(name)) && !tryLoad(name)) {
                throw new DuckbridgeException(
                        ErrorClass.INTERNAL,
                        "the built-in DuckDB extension " + name + " is missing from this DuckDB build;"
                                + " use the org.duckdb:duckdb_jdbc artifact Duckbridge was built with");
            }
            loaded.put(name, true);
        }
        for (String name : settings.extensions()) {
            try (Statement st = writeConnection.createStatement()) {
                st.execute("LOAD " + name);
                loaded.put(name, true);
            } catch (SQLException e) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "the DuckDB extension " + name + " listed in duckbridge.duckdb.extensions could not be"
                                + " loaded: " + e.getMessage() + ". Automatic download is off: put " + name
                                + ".duckdb_extension for this DuckDB version and platform into the extension"
                                + " directory (duckbridge.duckdb.extension-directory"
                                + (settings.extensionDirectory() == null
                                        ? ""
                                        : ", now " + settings.extensionDirectory())
                                + "), or remove it from the list",
                        e);
            }
        }
        for (String name : settings.optionalExtensions()) {
            boolean ok = tryLoad(name);
            loaded.put(name, ok);
            if (!ok) {
                log.info("optional DuckDB extension {} is not available; features needing it are off", name);
            }
        }
        return Map.copyOf(loaded);
    }

    private boolean tryLoad(String name) {
        try (Statement st = writeConnection.createStatement()) {
            st.execute("LOAD " + name);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private String queryString(String sql) throws SQLException {
        try (Statement st = writeConnection.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    // ---- small helpers -------------------------------------------------------------------------

    private static ThreadFactory named(String prefix, boolean daemon) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix + counter.incrementAndGet());
            t.setDaemon(daemon);
            return t;
        };
    }

    private static void closeQuietly(List<DuckDBConnection> connections) {
        closeQuietly(connections, Set.of());
    }

    private static void closeQuietly(List<DuckDBConnection> connections, Set<DuckDBConnection> skipped) {
        for (DuckDBConnection c : connections) {
            if (skipped.contains(c)) {
                continue;
            }
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing a DuckDB connection failed: {}", e.getMessage());
            }
        }
    }

    private static long fileSize(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static long directorySize(String dir) {
        if (dir == null || dir.isBlank()) {
            return 0;
        }
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(p)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(DuckDbEngine::fileSize)
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }
}
