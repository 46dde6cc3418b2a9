package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.testing.TestingPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Full snapshots read every table and every ctid range from one PostgreSQL snapshot, and fail safely. */
@Timeout(180)
class SnapshotConsistencyIT {
    static final long TOTAL = 40_000L * 1000;
    static TestingPostgres pg;
    static DuckDbEngine engine;
    static PostgresSource source;

    @BeforeAll
    static void setUp() {
        pg = TestingPostgres.start();
        pg.execute("""
                CREATE TABLE checking (id int PRIMARY KEY, balance bigint NOT NULL, pad text);
                CREATE TABLE savings (id int PRIMARY KEY, balance bigint NOT NULL, pad text);
                INSERT INTO checking SELECT g, 1000, repeat('x', 50) FROM generate_series(1, 20000) g;
                INSERT INTO savings SELECT g, 1000, repeat('y', 50) FROM generate_series(1, 20000) g;
                CREATE TABLE large (id int PRIMARY KEY, v text);
                INSERT INTO large SELECT g, md5(g::text) FROM generate_series(1, 300000) g;
                ANALYZE;
                """);
        source = new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password());
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
    }

    @AfterAll
    static void tearDown() {
        if (engine != null) {
            engine.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void everySyncedCopyKeepsTheSumInvariantWhileTransfersRun() throws Exception {
        var sync = new TableSync(
                engine,
                source,
                null,
                new SyncSettings(
                        new TableSelector(List.of("public.checking", "public.savings"), List.of()),
                        null,
                        new SnapshotSettings(3, 4_000),
                        null));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong transfers = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            Thread t = new Thread(() -> transfer(stop, transfers), "transfer-" + w);
            t.start();
            writers.add(t);
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (transfers.get() < 50 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            for (int run = 0; run < 4; run++) {
                long before = transfers.get();
                sync.run(null, SyncMode.FULL, JobContext.none());
                assertThat(duckLong("SELECT (SELECT sum(balance) FROM public.checking)"
                                + " + (SELECT sum(balance) FROM public.savings)"))
                        .as("sum after run %d (%d transfers so far)", run, before)
                        .isEqualTo(TOTAL);
                assertThat(duckLong("SELECT count(*) FROM public.checking")).isEqualTo(20000);
            }
        } finally {
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
        }
        assertThat(transfers.get()).as("writers really ran").isGreaterThan(50);
        assertThat(duckLong("SELECT count(*) FROM duckbridge.sync_state WHERE status = 'succeeded'"))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void aCopyCutOffMidwayLeavesThePreviousTableAndFailsWithTheReason() throws Exception {
        var sync = new TableSync(
                engine,
                source,
                new JobRunner(1, 10),
                new SyncSettings(
                        new TableSelector(List.of("public.large"), List.of()),
                        null,
                        new SnapshotSettings(2, 50_000),
                        null));
        sync.run(List.of(TableName.parse("large")), SyncMode.FULL, JobContext.none());
        assertThat(duckLong("SELECT count(*) FROM public.large")).isEqualTo(300000);
        pg.execute("DELETE FROM large WHERE id > 100000");

        var job = sync.submit(TableName.parse("public.large"), SyncMode.FULL);
        // cut the connections of the COPY readers as soon as one is streaming
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int killed = 0;
        while (killed == 0
                && System.nanoTime() < deadline
                && !job.snapshot().status().terminal()) {
            var rows = pg.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE query LIKE 'COPY (SELECT%' AND state = 'active' AND pid <> pg_backend_pid()");
            killed = rows.size();
        }
        JobSnapshot done = job.completion().get(60, TimeUnit.SECONDS);
        if (done.status() == JobStatus.SUCCEEDED) {
            // the cut landed after the last range had been read: the job finished, and then the new copy
            // must be complete — what may never happen is a partial table
            assertThat(duckLong("SELECT count(*) FROM public.large")).isEqualTo(100000);
        } else if (killed > 0) {
            assertThat(done.status()).isEqualTo(JobStatus.FAILED);
            assertThat(done.error().errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
            assertThat(done.error().getMessage()).contains("public.large");
            assertThat(duckLong("SELECT count(*) FROM public.large"))
                    .as("the previous copy is untouched")
                    .isEqualTo(300000);
            assertThat(sync.states()
                            .find(TableName.parse("large"))
                            .orElseThrow()
                            .status())
                    .isEqualTo("failed");
        }
        assertThat(duckLong("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'duckbridge_staging'"
                        + " OR starts_with(table_name, '__duckbridge_staging_')"))
                .as("no staging table is left behind")
                .isZero();
        // and the next sync works
        sync.run(List.of(TableName.parse("large")), SyncMode.FULL, JobContext.none());
        assertThat(duckLong("SELECT count(*) FROM public.large")).isEqualTo(100000);
    }

    @Test
    void anUnknownTableIsNotFound() {
        var sync = new TableSync(engine, source, null, SyncSettings.defaults());
        assertThatThrownBy(() -> sync.run(List.of(TableName.parse("nope")), SyncMode.FULL, JobContext.none()))
                .isInstanceOf(DuckbridgeException.class)
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
    }

    private static void transfer(AtomicBoolean stop, AtomicLong transfers) {
        try (Connection c = pg.connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                while (!stop.get()) {
                    int from = ThreadLocalRandom.current().nextInt(1, 20001);
                    int to = ThreadLocalRandom.current().nextInt(1, 20001);
                    int amount = ThreadLocalRandom.current().nextInt(1, 100);
                    boolean toSavings = ThreadLocalRandom.current().nextBoolean();
                    String a = toSavings ? "checking" : "savings";
                    String b = toSavings ? "savings" : "checking";
                    st.executeUpdate("UPDATE " + a + " SET balance = balance - " + amount + " WHERE id = " + from);
                    st.executeUpdate("UPDATE " + b + " SET balance = balance + " + amount + " WHERE id = " + to);
                    c.commit();
                    transfers.incrementAndGet();
                }
            }
        } catch (Exception e) {
            if (!stop.get()) {
                throw new IllegalStateException(e);
            }
        }
    }

    static long duckLong(String sql) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
