package io.duckbridge.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class DuckDbEngineTest {
    @TempDir
    Path dir;

    private EngineSettings fileSettings() {
        return EngineSettings.defaults(dir.resolve("test.duckdb").toString()).withThreads(2);
    }

    @Test
    void aValueTooLargeForTheHeapIsAnOutOfMemoryErrorOfThatQueryAlone() {
        try (var engine = DuckDbEngine.open(fileSettings())) {
            // what the driver's allocation of one huge string throws; the session maps it, the engine stays usable
            assertThatThrownBy(() -> engine.stream(java.time.Duration.ofSeconds(5), session -> {
                        throw new OutOfMemoryError("Java heap space");
                    }))
                    .isInstanceOfSatisfying(io.duckbridge.core.error.DuckbridgeException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo(io.duckbridge.core.error.ErrorClass.OUT_OF_MEMORY);
                        assertThat(e.getMessage()).contains("-Xmx");
                    });
            String answer = engine.read(session -> "still serving");
            assertThat(answer).isEqualTo("still serving");
        }
    }

    @Test
    void failedWorkThatLeftATransactionOpenDoesNotPoisonTheReader() {
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(1, 1))) {
            // as an import did: BEGIN, a statement that fails, and a ROLLBACK on the statement the error closed
            assertThatThrownBy(() -> engine.read(session -> {
                        Statement st = session.statement();
                        st.execute("BEGIN TRANSACTION");
                        try {
                            st.execute("CREATE TABLE staged AS SELECT * FROM no_such_table");
                        } finally {
                            st.close();
                        }
                        return null;
                    }))
                    .isInstanceOf(DuckbridgeException.class);
            // the one reader works again, inside and outside a transaction of its own
            Integer n = engine.read(session -> {
                try (Statement st = session.connection().createStatement()) {
                    st.execute("BEGIN TRANSACTION");
                    try (ResultSet rs = st.executeQuery("SELECT 42")) {
                        rs.next();
                        int v = rs.getInt(1);
                        st.execute("COMMIT");
                        return v;
                    }
                }
            });
            assertThat(n).isEqualTo(42);
        }
    }

    @Test
    void aSecondEngineOnTheSameFileInThisProcessIsAConflictNamingIt() {
        Path file = dir.resolve("analytics.duckdb");
        EngineSettings settings = EngineSettings.defaults(file.toString()).withSandbox(EngineSandbox.of(dir));
        try (DuckDbEngine first = DuckDbEngine.open(settings)) {
            first.write(session -> session.statement().execute("CREATE TABLE t AS SELECT 1 AS x"));
            assertThatThrownBy(() -> DuckDbEngine.open(EngineSettings.defaults(dir + "/./analytics.duckdb")))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONFLICT))
                    .hasMessageContaining("already open in this process")
                    .hasMessageContaining(file.toString());
            Integer x = first.read(session -> {
                try (var rs = session.statement().executeQuery("SELECT x FROM t")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertThat(x).as("the first engine still works").isEqualTo(1);
        }
        try (DuckDbEngine again = DuckDbEngine.open(settings)) {
            assertThat(again.settings().databasePath()).isEqualTo(file.toString());
        }
    }

    @Test
    void unqualifiedNamesFindSyncedPublicTablesAsInPostgres() {
        try (var engine = DuckDbEngine.open(fileSettings().withSandbox(EngineSandbox.of(dir)))) {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute("CREATE TABLE public.events AS SELECT 42 AS x");
                    st.execute("CREATE TABLE scratch AS SELECT 1 AS y");
                }
                return null;
            });
            String sql = "SELECT (SELECT x FROM events), (SELECT schema_name FROM duckdb_tables()"
                    + " WHERE table_name = 'scratch')";
            ReadWork<String> read = session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    return rs.getInt(1) + " " + rs.getString(2);
                }
            };
            assertThat(engine.read(read)).isEqualTo("42 main");
            assertThat(engine.stream(Duration.ofSeconds(10), read)).isEqualTo("42 main");
        }
    }

    @Test
    void loadConnectionsInsertInAnyOrderUnderALockedConfigurationWhileReadersKeepOrder() throws Exception {
        try (var engine = DuckDbEngine.open(fileSettings().withSandbox(EngineSandbox.of(dir)))) {
            String setting = "SELECT current_setting('preserve_insertion_order')::VARCHAR";
            List<LoadConnection> leases = new ArrayList<>();
            for (int i = 0; i < DuckDbEngine.MAX_LOAD_CONNECTIONS + 1; i++) {
                leases.add(engine.loadConnection());
            }
            // two kept for a 2-thread engine, set up before the lock; more loads at once get plain connections
            assertThat(leases.stream().filter(LoadConnection::unordered).count())
                    .isEqualTo(2);
            LoadConnection unordered = leases.get(0);
            try (Statement st = unordered.connection().createStatement();
                    ResultSet rs = st.executeQuery(setting)) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("false");
            }
            assertThat(unordered.connection().getAutoCommit()).isFalse();
            try (Statement st = unordered.connection().createStatement()) {
                st.execute("CREATE TABLE loaded AS SELECT 1 AS x");
            }
            leases.forEach(LoadConnection::close); // the uncommitted table is rolled back
            ReadWork<String> check = session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery(
                                setting + ", (SELECT count(*) FROM duckdb_tables() WHERE table_name = 'loaded')")) {
                    rs.next();
                    return rs.getString(1) + " " + rs.getLong(2);
                }
            };
            assertThat(engine.read(check)).isEqualTo("true 0");
            try (LoadConnection again = engine.loadConnection()) {
                assertThat(again.unordered()).isTrue(); // given back, not lost
            }
        }
    }

    @Test
    void parallelReadsNeverExceedThePoolBound() throws Exception {
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(3, 100))) {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            List<CompletableFuture<Long>> reads = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                reads.add(engine.readAsync(Duration.ofSeconds(30), session -> {
                    peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try (Statement st = session.statement();
                            ResultSet rs = st.executeQuery("SELECT sum(i) FROM range(3000000) t(i)")) {
                        rs.next();
                        return rs.getLong(1);
                    } finally {
                        running.decrementAndGet();
                    }
                }));
            }
            for (var read : reads) {
                assertThat(read.get(60, TimeUnit.SECONDS)).isEqualTo(3000000L * 2999999L / 2);
            }
            assertThat(peak.get()).isEqualTo(3);
            assertThat(engine.peakReadersInUse()).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void streamRunsOnItsCallersThreadAndSharesTheReaderBoundWithReads() throws Exception {
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(2, 100))) {
            Thread caller = Thread.currentThread();
            Thread ranOn = engine.stream(Duration.ofSeconds(10), session -> Thread.currentThread());
            assertThat((Object) ranOn).isSameAs(caller);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            ReadWork<Long> sum = session -> {
                peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT sum(i) FROM range(2000000) t(i)")) {
                    rs.next();
                    return rs.getLong(1);
                } finally {
                    running.decrementAndGet();
                }
            };
            ExecutorService callers = Executors.newFixedThreadPool(6);
            try {
                List<java.util.concurrent.Future<Long>> results = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    results.add(callers.submit(() -> engine.stream(Duration.ofSeconds(60), sum)));
                    results.add(engine.readAsync(Duration.ofSeconds(60), sum));
                }
                for (var r : results) {
                    assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(2000000L * 1999999L / 2);
                }
            } finally {
                callers.shutdown();
            }
            assertThat(peak.get()).isLessThanOrEqualTo(2);
            assertThat(engine.peakReadersInUse()).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void streamOnTheCallersThreadIsCancelledByItsTimeoutAndRefusedWhenTheQueueIsFull() throws Exception {
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(1, 1))) {
            ReadWork<Long> runaway = session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM range(1000000000000)")) {
                    rs.next();
                    return rs.getLong(1);
                }
            };
            long start = System.nanoTime();
            assertThatThrownBy(() -> engine.stream(Duration.ofSeconds(1), runaway))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.TIMEOUT));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

            // one slot, held by a read: a stream queues for a reader thread, the next is refused at once
            HeldReader held = HeldReader.hold(engine);
            var waiting = CompletableFuture.supplyAsync(() -> engine.stream(Duration.ofSeconds(10), session -> 2L));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (engine.readsQueued() < 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThatThrownBy(() -> engine.stream(Duration.ofSeconds(10), session -> 3L))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE));
            held.release();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(2L);
        }
    }

    @Test
    void aStreamsTimeoutCoversItsWaitForAReaderAndWorkGivenUpNeverRuns() throws Exception {
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(1, 10))) {
            HeldReader held = HeldReader.hold(engine);
            var ran = new java.util.concurrent.atomic.AtomicBoolean();
            long start = System.nanoTime();
            // the only reader is busy for longer than the stream's timeout: the caller hears TIMEOUT at its timeout
            assertThatThrownBy(() -> engine.stream(Duration.ofSeconds(1), session -> {
                        ran.set(true);
                        return 2L;
                    }))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.TIMEOUT))
                    .hasMessageContaining("waited its whole timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            held.release();
            // the given-up work never runs once the reader is free; the next stream does
            assertThat(engine.<Long>stream(Duration.ofSeconds(5), session -> 3L))
                    .isEqualTo(3L);
            assertThat(ran).isFalse();
        }
    }

    @Test
    void aQueryThatWaitedForAReaderAndThenTimedOutNamesTheTimeoutItAskedFor() throws Exception {
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(1, 10))) {
            HeldReader held = HeldReader.hold(engine);
            long start = System.nanoTime();
            var runaway = engine.readAsync(Duration.ofMillis(2000), session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM range(1000000000000)")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            // it waits 1.5 s of its 2 s for the only reader, then runs into its deadline
            assertThatThrownBy(() -> runaway.get(1500, TimeUnit.MILLISECONDS))
                    .isInstanceOf(java.util.concurrent.TimeoutException.class);
            held.release();
            assertThatThrownBy(() -> runaway.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.TIMEOUT))
                    .hasMessage("the query ran longer than its timeout of 2000 ms and was cancelled");
            // the deadline counts from the submit, not from when a reader took the query (which would be 3.5 s)
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(3400));
        }
    }

    @Test
    void fullReaderQueueIsRefusedWithSourceUnavailable() throws Exception {
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(1, 1))) {
            CountDownLatch release = new CountDownLatch(1);
            var blocker = engine.readAsync(null, session -> {
                release.await();
                return 1;
            });
            var queued = engine.readAsync(null, session -> 2);
            var refused = engine.readAsync(null, session -> 3);
            assertThatThrownBy(refused::join)
                    .hasCauseInstanceOf(DuckbridgeException.class)
                    .cause()
                    .satisfies(e -> assertThat(((DuckbridgeException) e).errorClass())
                            .isEqualTo(ErrorClass.SOURCE_UNAVAILABLE));
            release.countDown();
            assertThat(blocker.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    @Test
    void timeoutCancelsARunawayQueryAndTheEngineKeepsWorking() {
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(1, 10))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> engine.read(Duration.ofSeconds(1), session -> {
                        try (Statement st = session.statement();
                                ResultSet rs = st.executeQuery("SELECT count(*) FROM range(1000000000000)")) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    }))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.TIMEOUT));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            // the single reader connection that ran the cancelled query answers the next one
            long answer = engine.read(Duration.ofSeconds(5), session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT 42")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(answer).isEqualTo(42);
        }
    }

    @Test
    void writesFromManyThreadsApplyInSubmissionOrderWithoutConflicts() throws Exception {
        try (var engine = DuckDbEngine.open(fileSettings())) {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute("CREATE TABLE ledger(seq BIGINT, thread INT)");
                    st.execute("CREATE TABLE counter(n BIGINT)");
                    st.execute("INSERT INTO counter VALUES (0)");
                }
                return null;
            });
            AtomicLong sequence = new AtomicLong();
            Object submitLock = new Object();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            List<java.util.concurrent.Future<?>> submitters = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                submitters.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        synchronized (submitLock) {
                            long seq = sequence.getAndIncrement();
                            writes.add(engine.writeAsync(session -> {
                                try (PreparedStatement ps = session.prepare("INSERT INTO ledger VALUES (?, ?)");
                                        Statement st = session.statement()) {
                                    ps.setLong(1, seq);
                                    ps.setInt(2, thread);
                                    ps.execute();
                                    // every write also updates the same row: concurrent writers would conflict here
                                    st.execute("UPDATE counter SET n = n + 1");
                                }
                                return null;
                            }));
                        }
                    }
                }));
            }
            for (var s : submitters) {
                s.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            List<Long> applied = engine.read(session -> {
                List<Long> seqs = new ArrayList<>();
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT seq FROM ledger ORDER BY rowid")) {
                    while (rs.next()) {
                        seqs.add(rs.getLong(1));
                    }
                }
                return seqs;
            });
            assertThat(applied).hasSize(400).isSorted();
            long counter = engine.read(session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT n FROM counter")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(counter).isEqualTo(400);
        }
    }

    @Test
    void failedWriteRollsBackAndTheLaneKeepsGoing() {
        try (var engine = DuckDbEngine.open(fileSettings())) {
            engine.write(session -> session.statement().execute("CREATE TABLE t(i INT PRIMARY KEY)"));
            assertThatThrownBy(() -> engine.write(session -> {
                        session.statement().execute("INSERT INTO t VALUES (1)");
                        return session.statement().execute("INSERT INTO t VALUES (1)");
                    }))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONSTRAINT));
            engine.write(session -> session.statement().execute("INSERT INTO t VALUES (2)"));
            assertThat(count(engine, "SELECT count(*) FROM t")).isEqualTo(1);
        }
    }

    @Test
    void closeDuringRunningQueriesReturnsWithinTheGracePeriodAndKeepsCommittedData() throws Exception {
        Path file = dir.resolve("close.duckdb");
        var settings =
                EngineSettings.defaults(file.toString()).withThreads(2).withCloseGracePeriod(Duration.ofSeconds(1));
        var engine = DuckDbEngine.open(settings);
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE kept AS SELECT i FROM range(100000) t(i)");
            }
            return null;
        });
        List<CompletableFuture<Long>> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running.add(engine.readAsync(null, session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM range(1000000000000)")) {
                    rs.next();
                    return rs.getLong(1);
                }
            }));
        }
        Thread.sleep(300); // let the queries get going inside DuckDB; not waiting for a condition
        long start = System.nanoTime();
        engine.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        for (var r : running) {
            assertThatThrownBy(() -> r.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(DuckbridgeException.class);
        }
        engine.close(); // idempotent
        assertThatThrownBy(() -> engine.read(session -> 1))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE));
        try (var reopened = DuckDbEngine.open(settings)) {
            assertThat(count(reopened, "SELECT count(*) FROM kept")).isEqualTo(100000);
        }
    }

    @Test
    void secondProcessGetsAnErrorNamingTheLockHolder() throws Exception {
        Path file = dir.resolve("locked.duckdb");
        try (var engine =
                DuckDbEngine.open(EngineSettings.defaults(file.toString()).withThreads(1))) {
            engine.write(session -> session.statement().execute("CREATE TABLE t(i INT)"));
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            SecondOpener.class.getName(),
                            file.toString())
                    .redirectErrorStream(true)
                    .start();
            String output;
            try (var reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                output = reader.lines().reduce("", (a, b) -> a + b + "\n");
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(output)
                    .contains("CONFLICT")
                    .contains("is locked by another process: PID "
                            + ProcessHandle.current().pid())
                    .contains("--url");
        }
    }

    @Test
    void memoryLimitThatIsNotASizeFailsWithTheSettingNamed() {
        assertThatThrownBy(() -> EngineSettings.defaults(":memory:").withMemoryLimit("lots"))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
                    assertThat(e.getMessage())
                            .contains("memory-limit")
                            .contains("\"lots\"")
                            .contains("4GB");
                });
    }

    @Test
    void explicitMemoryLimitAndThreadsAreWhatDuckDbUses() {
        try (var engine = DuckDbEngine.open(
                EngineSettings.defaults(":memory:").withMemoryLimit("1GB").withThreads(3))) {
            EngineStatus status = engine.status();
            assertThat(status.memoryLimitBytes()).isEqualTo(1_000_000_000L);
            // DuckDB prints the limit in binary units: 1 GB = 953.6 MiB
            assertThat(status.memoryLimit()).isEqualTo("953.6 MiB");
            assertThat(status.threads()).isEqualTo(3);
            assertThat(status.extensions()).containsEntry("parquet", true).containsEntry("json", true);
            // an idle engine: the status read's own reader is not counted
            assertThat(status.readersInUse()).isZero();
        }
    }

    @Test
    void statusAnswersAtOnceWhileEveryReaderRunsALongQueryAndQueuesNothing() throws Exception {
        // found by an acceptance tester: the health probe queued behind two long queries for 35 s, so a busy
        // service failed its readiness probe and was taken out of rotation; then, reads left queued by probes
        // that gave up filled the reader queue
        try (var engine = DuckDbEngine.open(fileSettings().withReaders(2, 10))) {
            EngineStatus idle = engine.status();
            List<java.util.concurrent.CompletableFuture<Long>> busy = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                busy.add(engine.readAsync(Duration.ofSeconds(60), session -> {
                    try (Statement st = session.statement();
                            ResultSet rs = st.executeQuery("SELECT count(*) FROM range(1000000000000)")) {
                        rs.next();
                        return rs.getLong(1);
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (engine.status().readersInUse() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20); // polling the pool with a deadline
            }
            for (int probe = 0; probe < 20; probe++) {
                long started = System.nanoTime();
                EngineStatus status = engine.status();
                assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(500);
                assertThat(status.readersInUse()).isEqualTo(2);
                assertThat(status.threads()).isEqualTo(idle.threads());
                assertThat(status.memoryLimit()).isEqualTo(idle.memoryLimit());
            }
            assertThat(engine.status().readsWaiting()).isZero();
            busy.forEach(f -> f.cancel(true));
        }
    }

    @Test
    void missingRequiredExtensionFailsStartupNamingIt() {
        var settings = EngineSettings.defaults(":memory:")
                .withExtensions(List.of("spatial"), List.of(), dir.resolve("extensions"));
        assertThatThrownBy(() -> DuckDbEngine.open(settings))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.getMessage()).contains("spatial").contains("extension directory"));
    }

    @Test
    void missingOptionalExtensionIsReportedNotFatal() {
        var settings = EngineSettings.defaults(":memory:")
                .withExtensions(List.of(), List.of("httpfs"), dir.resolve("extensions"));
        try (var engine = DuckDbEngine.open(settings)) {
            assertThat(engine.extensions()).containsEntry("httpfs", false);
        }
    }

    private static long count(DuckDbEngine engine, String sql) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** The engine's only reader, held by a read until {@link #release()}. */
    private record HeldReader(CountDownLatch latch, CompletableFuture<Long> read) {
        static HeldReader hold(DuckDbEngine engine) throws InterruptedException {
            CountDownLatch latch = new CountDownLatch(1);
            CountDownLatch holding = new CountDownLatch(1);
            CompletableFuture<Long> read = engine.readAsync(null, session -> {
                holding.countDown();
                latch.await();
                return 1L;
            });
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            return new HeldReader(latch, read);
        }

        /** Lets the read end, and checks that it did. */
        void release() throws Exception {
            latch.countDown();
            assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(1L);
        }
    }
}
