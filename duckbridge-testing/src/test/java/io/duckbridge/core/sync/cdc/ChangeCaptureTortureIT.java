package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent writers during and after the initial snapshot while the applier is killed at random points
 * (after a snapshot table, after receiving a batch, after its DuckDB commit, after confirming) and
 * restarted — sometimes with the DuckDB file closed and opened again. At the end every table equals
 * PostgreSQL row by row and nothing is left behind in PostgreSQL.
 */
@Timeout(300)
class ChangeCaptureTortureIT {
    private static final int KEYS = 3000;

    @TempDir
    Path dir;

    /** Thrown from the crash hook: the applier dies where it stands. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(ChangeCapture.CrashPoint point) {
            super("simulated crash at " + point);
        }
    }

    @Test
    void survivesKillsAnywhereAndEndsExactlyEqual() throws Exception {
        try (TestingPostgres postgres = TestingPostgres.start()) {
            PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
            postgres.execute("CREATE TABLE t_orders (id bigint PRIMARY KEY, grp int NOT NULL, val text,"
                    + " amount numeric(12,2), big text, updated timestamptz DEFAULT now())");
            postgres.execute("ALTER TABLE t_orders ALTER COLUMN big SET STORAGE EXTERNAL");
            postgres.execute("CREATE TABLE t_events (a int, b text)");
            postgres.execute("ALTER TABLE t_events REPLICA IDENTITY FULL");
            postgres.execute("INSERT INTO t_orders (id, grp, val, amount, big) SELECT g, g % 10, 'v' || g, g * 0.25,"
                    + " CASE WHEN g % 50 = 0 THEN repeat(md5(g::text), 400) END FROM generate_series(1, " + KEYS
                    + ") g");
            postgres.execute("INSERT INTO t_events SELECT g % 20, 'e' || (g % 7) FROM generate_series(1, 300) g");
            List<String> tables = List.of("public.t_orders", "public.t_events");
            CdcSettings settings = CdcSettings.defaults()
                    .withSlotName("torture")
                    .withPublicationName("torture")
                    .withTables(tables)
                    .withMaxBatchChanges(500)
                    .withHeartbeatInterval(Duration.ofMillis(300));

            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong writes = new AtomicLong();
            ExecutorService writers = Executors.newFixedThreadPool(2);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int seed = w;
                futures.add(writers.submit(() -> {
                    write(postgres, new Random(seed), writing, writes);
                    return null;
                }));
            }

            Random random = new Random(42);
            Path dbFile = dir.resolve("analytics.duckdb");
            DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(dbFile.toString()));
            AtomicInteger crashes = new AtomicInteger();
            ConcurrentHashMap<ChangeCapture.CrashPoint, Integer> crashPoints = new ConcurrentHashMap<>();
            try {
                long writeUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
                while (crashes.get() < 8 && System.nanoTime() < writeUntil) {
                    double chance = 0.04 + random.nextDouble() * 0.1;
                    long hookSeed = random.nextLong();
                    Random hookRandom = new Random(hookSeed);
                    ChangeCapture cdc = new ChangeCapture(engine, source, settings, point -> {
                        if (hookRandom.nextDouble()
                                < (point == ChangeCapture.CrashPoint.SNAPSHOT_TABLE_LOADED ? 0.5 : chance)) {
                            crashPoints.merge(point, 1, Integer::sum);
                            throw new SimulatedCrash(point);
                        }
                    });
                    cdc.start();
                    ChangeCaptureIT.poll(() -> cdc.status().state() == CdcState.FAILED, Duration.ofSeconds(20));
                    CdcStatus status = cdc.status();
                    cdc.close();
                    if (status.state() == CdcState.FAILED) {
                        assertThat(status.lastError()).contains("simulated crash");
                        crashes.incrementAndGet();
                    }
                    if (random.nextBoolean()) {
                        engine.close(); // the process dies: DuckDB is opened again from its file
                        engine = DuckDbEngine.open(EngineSettings.defaults(dbFile.toString()));
                    }
                }
                writing.set(false);
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertThat(writes.get()).isGreaterThan(200);
                assertThat(crashes.get()).isGreaterThanOrEqualTo(3);

                try (ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
                    cdc.start();
                    DuckDbEngine current = engine;
                    List<String> diff = new ArrayList<>();
                    boolean equal = ChangeCaptureIT.poll(
                            () -> {
                                diff.clear();
                                for (String t : tables) {
                                    try {
                                        diff.addAll(TableComparison.differences(source, current, t, dir));
                                    } catch (Exception e) {
                                        diff.add(e.toString());
                                    }
                                }
                                return diff.isEmpty();
                            },
                            Duration.ofSeconds(90));
                    assertThat(diff)
                            .as("differences after %s crashes at %s and %s writes", crashes, crashPoints, writes)
                            .isEmpty();
                    assertThat(equal).isTrue();
                    assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
                    cdc.disable();
                }
            } finally {
                writing.set(false);
                writers.shutdownNow();
                engine.close();
            }
            assertThat(postgres.query("SELECT count(*) FROM pg_replication_slots")
                            .getFirst()
                            .getFirst())
                    .isEqualTo(0L);
            assertThat(postgres.query("SELECT count(*) FROM pg_publication")
                            .getFirst()
                            .getFirst())
                    .isEqualTo(0L);
        }
    }

    private static void write(TestingPostgres postgres, Random random, AtomicBoolean writing, AtomicLong writes)
            throws SQLException, InterruptedException {
        try (Connection c = postgres.connect()) {
            c.setAutoCommit(false);
            long nextKey = KEYS + 1 + random.nextInt(1_000_000) * 10L;
            while (writing.get()) {
                int ops = 1 + random.nextInt(8);
                try (Statement st = c.createStatement()) {
                    for (int i = 0; i < ops; i++) {
                        long id = 1 + random.nextInt(KEYS * 2);
                        int kind = random.nextInt(100);
                        if (kind < 30) {
                            try (PreparedStatement ps = c.prepareStatement(
                                    "INSERT INTO t_orders (id, grp, val, amount, big) VALUES (?, ?, ?, ?, ?)"
                                            + " ON CONFLICT (id) DO NOTHING")) {
                                ps.setLong(1, nextKey++);
                                ps.setInt(2, random.nextInt(10));
                                ps.setString(3, "n" + random.nextInt());
                                ps.setBigDecimal(4, java.math.BigDecimal.valueOf(random.nextInt(100000), 2));
                                ps.setString(5, random.nextInt(5) == 0 ? "z".repeat(5000) + random.nextInt() : null);
                                ps.execute();
                            }
                        } else if (kind < 60) {
                            // big is left alone: an unchanged TOASTed value
                            st.execute("UPDATE t_orders SET val = val || '+', amount = amount + 1, updated = now()"
                                    + " WHERE id = " + id);
                        } else if (kind < 70) {
                            st.execute("UPDATE t_orders SET id = id + 1000000000 WHERE id = " + id);
                        } else if (kind < 80) {
                            st.execute("DELETE FROM t_orders WHERE id = " + id);
                        } else if (kind < 88) {
                            st.execute("INSERT INTO t_events VALUES (" + random.nextInt(20) + ", 'w" + random.nextInt(5)
                                    + "')");
                        } else if (kind < 94) {
                            st.execute("DELETE FROM t_events WHERE ctid = (SELECT ctid FROM t_events WHERE a = "
                                    + random.nextInt(20) + " LIMIT 1)");
                        } else if (kind < 99) {
                            st.execute("UPDATE t_events SET b = b || '!' WHERE ctid = (SELECT ctid FROM t_events"
                                    + " WHERE a = " + random.nextInt(20) + " LIMIT 1)");
                        } else {
                            st.execute("TRUNCATE t_events");
                        }
                    }
                    if (random.nextInt(10) == 0) {
                        c.rollback();
                    } else {
                        c.commit();
                        writes.addAndGet(ops);
                    }
                } catch (SQLException e) {
                    c.rollback(); // deadlocks and key collisions between the writers are expected
                }
                TimeUnit.MILLISECONDS.sleep(random.nextInt(3));
            }
        }
    }
}
