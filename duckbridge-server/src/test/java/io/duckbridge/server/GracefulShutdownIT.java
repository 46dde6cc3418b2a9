package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stopping the service with reads in flight: a read that finishes within the close grace period completes
 * with its result, one that does not is cancelled, shutdown ends within a bound either way, and the database
 * reopens with every committed row.
 */
@Timeout(180)
class GracefulShutdownIT {
    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start(String grace) {
        return SpringApplication.run(
                DuckbridgeApplication.class,
                "--server.port=0",
                "--duckbridge.demo.enabled=false",
                "--duckbridge.data-dir=" + dataDir,
                "--duckbridge.duckdb.close-grace-period=" + grace,
                "--DUCKDB_MEMORY_LIMIT=512MB",
                "--DUCKDB_THREADS=2");
    }

    @Test
    void readsInFlightFinishWithinTheGracePeriodAndCommittedDataSurvives() throws Exception {
        CompletableFuture<Long> inFlight;
        var app = start("30s");
        DuckDbEngine engine = app.getBean(DuckDbEngine.class);
        engine.write(session -> session.statement()
                .execute("CREATE TABLE orders AS SELECT i AS id, i % 7 AS status FROM range(100000) t(i)"));
        var started = new CountDownLatch(1);
        inFlight = engine.readAsync(Duration.ofMinutes(2), session -> {
            started.countDown();
            try (Statement st = session.statement();
                    ResultSet rs =
                            st.executeQuery("SELECT count(*) FROM (SELECT sum(hash(i)) FROM range(200000000) t(i)"
                                    + " GROUP BY i % 1000) s")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        app.close();
        assertThat(inFlight.get(1, TimeUnit.SECONDS)).isEqualTo(1000L);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
        assertThat(engine.isClosed()).isTrue();
        assertReopensWithRows(100_000);
    }

    @Test
    void readsStillRunningAfterTheGracePeriodAreCancelledAndShutdownEnds() throws Exception {
        var app = start("1s");
        DuckDbEngine engine = app.getBean(DuckDbEngine.class);
        engine.write(session -> session.statement().execute("CREATE TABLE t AS SELECT * FROM range(1000) r(i)"));
        var started = new CountDownLatch(1);
        CompletableFuture<Long> endless = engine.readAsync(Duration.ofMinutes(5), session -> {
            started.countDown();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(
                            "SELECT count(*) FROM range(1000000000) a(i), range(1000000) b(j) WHERE i + j = -1")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        app.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(45));
        assertThat(endless)
                .failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .satisfies(e -> {
                    Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
                    assertThat(cause).isInstanceOf(DuckbridgeException.class);
                    assertThat(((DuckbridgeException) cause).errorClass())
                            .isIn(ErrorClass.CANCELLED, ErrorClass.TIMEOUT);
                });
        assertReopensWithRows(-1);
    }

    private void assertReopensWithRows(long orders) {
        try (var reopened = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString()))) {
            long count = reopened.read(session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery(
                                orders < 0 ? "SELECT count(*) FROM t" : "SELECT count(*) FROM orders")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(count).isEqualTo(orders < 0 ? 1000 : orders);
        }
    }
}
