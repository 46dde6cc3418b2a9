package io.duckbridge.spring.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.cdc.CdcSettings;
import io.duckbridge.core.sync.cdc.CdcState;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Status;

/** The {@code cdc} health component against a real stream: DEGRADED while changes wait, DOWN when the slot is lost. */
@Timeout(180)
class CdcHealthIndicatorIT {
    private static TestingPostgres postgres;
    private static PostgresSource source;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() {
        postgres = TestingPostgres.start();
        source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void degradesWhileChangesWaitLongerThanTheThresholdAndIsDownWhenTheSlotIsLost() throws Exception {
        postgres.execute("CREATE TABLE health_orders (id bigint PRIMARY KEY, item text)");
        CdcSettings settings = CdcSettings.defaults()
                .withSlotName("health")
                .withPublicationName("health")
                .withTables(List.of("public.health_orders"))
                .withHeartbeatInterval(Duration.ofMillis(500))
                .withLagThreshold(Duration.ofSeconds(1));
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dir.resolve("analytics.duckdb").toString()));
                ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
            CdcHealthIndicator health = new CdcHealthIndicator(cdc, settings.lagThreshold());
            cdc.start();
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(60)))
                    .isTrue();
            assertThat(status(health)).isEqualTo(Status.UP);

            // DuckDB busy with other work: committed changes wait for the writer lane
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Object> busy = engine.laneAsync(session -> {
                release.await(60, TimeUnit.SECONDS);
                return null;
            });
            try {
                postgres.execute("INSERT INTO health_orders VALUES (1, 'waits')");
                assertThat(poll(() -> status(health).equals(CdcHealthIndicator.DEGRADED), Duration.ofSeconds(30)))
                        .as("health while a committed change waited more than 1 s")
                        .isTrue();
            } finally {
                release.countDown();
            }
            busy.get(30, TimeUnit.SECONDS);
            assertThat(poll(() -> status(health).equals(Status.UP), Duration.ofSeconds(30)))
                    .as("health once the change was applied")
                    .isTrue();

            cdc.stop();
            postgres.execute("SELECT pg_drop_replication_slot('health')");
            cdc.start();
            assertThat(poll(() -> status(health).equals(Status.DOWN), Duration.ofSeconds(60)))
                    .as("health after the slot was dropped underneath")
                    .isTrue();
            cdc.disable();
        }
    }

    @Test
    void degradesAndNamesTheTableWhileOneTableIsSetAside() throws Exception {
        postgres.execute("CREATE TABLE health_fine (id bigint PRIMARY KEY)");
        postgres.execute("CREATE TABLE health_wide (id bigint PRIMARY KEY, amount numeric)");
        postgres.execute("INSERT INTO health_wide VALUES (1, 1000000)");
        CdcSettings settings = CdcSettings.defaults()
                .withSlotName("health_aside")
                .withPublicationName("health_aside")
                .withTables(List.of("public.health_fine", "public.health_wide"))
                .withHeartbeatInterval(Duration.ofMillis(500))
                .withMapping(new io.duckbridge.core.schema.TypeMapping(
                        java.util.Map.of("public.health_wide.amount", "DECIMAL(4,0)")));
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dir.resolve("analytics.duckdb").toString()));
                ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
            CdcHealthIndicator health = new CdcHealthIndicator(cdc, settings.lagThreshold());
            cdc.start();
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(60)))
                    .isTrue();
            var result = health.health(true);
            assertThat(result.getStatus()).isEqualTo(CdcHealthIndicator.DEGRADED);
            assertThat(result.getDetails().get("failedTables"))
                    .asString()
                    .contains("public.health_wide")
                    .contains("DECIMAL(4,0)");
            cdc.disable();
        }
    }

    @Test
    void isDownNamingTheReasonWhenEnabledCdcRefusedToStart() throws Exception {
        postgres.execute("CREATE TABLE health_kept (id bigint PRIMARY KEY)");
        postgres.execute("CREATE TABLE health_bare (a int)"); // new, without a primary key
        CdcSettings settings = CdcSettings.defaults()
                .withSlotName("health_refused")
                .withPublicationName("health_refused")
                .withTables(List.of("public.health_kept", "public.health_bare"))
                .withHeartbeatInterval(Duration.ofMillis(500));
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dir.resolve("analytics.duckdb").toString()));
                ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
            CdcHealthIndicator enabled = new CdcHealthIndicator(cdc, settings.lagThreshold(), true);
            CdcHealthIndicator onRequest = new CdcHealthIndicator(cdc, settings.lagThreshold(), false);
            try {
                cdc.start(); // as the application does at startup with duckbridge.cdc.enabled=true
            } catch (RuntimeException refused) {
                // logged by the lifecycle; the service stays up
            }
            var result = enabled.health(true);
            assertThat(result.getStatus())
                    .as("health of enabled CDC whose start was refused (was: UP, like a deliberate stop)")
                    .isEqualTo(Status.DOWN);
            assertThat(result.getDetails().get("startRefused"))
                    .asString()
                    .contains("did not start")
                    .contains("public.health_bare")
                    .contains("REPLICA IDENTITY FULL");
            assertThat(status(onRequest)).as("CDC only started on request").isEqualTo(Status.UP);

            cdc.stop(); // an admin's deliberate stop is not a failure
            assertThat(status(enabled)).isEqualTo(Status.UP);

            postgres.execute("ALTER TABLE health_bare REPLICA IDENTITY FULL");
            cdc.start();
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(60)))
                    .isTrue();
            assertThat(status(enabled)).isEqualTo(Status.UP);
            cdc.disable();
        }
    }

    @Test
    void lagGrowsAndHealthDegradesWhileTheStreamDeliversNothing() throws Exception {
        postgres.execute("CREATE TABLE health_stall (id bigint PRIMARY KEY)");
        CdcSettings settings = CdcSettings.defaults()
                .withSlotName("health_stall")
                .withPublicationName("health_stall")
                .withTables(List.of("public.health_stall"))
                .withHeartbeatInterval(Duration.ofMillis(300))
                .withLagThreshold(Duration.ofSeconds(2));
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dir.resolve("analytics.duckdb").toString()));
                ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
            CdcHealthIndicator health = new CdcHealthIndicator(cdc, settings.lagThreshold(), true);
            cdc.start();
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(60)))
                    .isTrue();
            assertThat(poll(() -> status(health).equals(Status.UP), Duration.ofSeconds(30)))
                    .isTrue();

            // the walsender stops sending (a stuck server process or network): nothing arrives at all. The state
            // reads STREAMING just before the replication connection is made, so wait for the slot's walsender
            String activePid = "SELECT active_pid::bigint FROM pg_replication_slots WHERE slot_name = 'health_stall'";
            assertThat(poll(() -> postgres.query(activePid).getFirst().getFirst() != null, Duration.ofSeconds(30)))
                    .isTrue();
            long walsender = (Long) postgres.query(activePid).getFirst().getFirst();
            signal("STOP", walsender);
            try {
                postgres.execute("INSERT INTO health_stall VALUES (1)");
                assertThat(poll(() -> status(health).equals(CdcHealthIndicator.DEGRADED), Duration.ofSeconds(30)))
                        .as("health while the stream delivered nothing for longer than the threshold"
                                + " (was: UP, lag frozen at the last heartbeat's delay)")
                        .isTrue();
                assertThat(cdc.status().lagSeconds()).isGreaterThan(2);
            } finally {
                signal("CONT", walsender);
            }
            assertThat(poll(() -> status(health).equals(Status.UP), Duration.ofSeconds(30)))
                    .as("health once the stream delivered again")
                    .isTrue();

            cdc.stop();
            postgres.execute("INSERT INTO health_stall VALUES (2)");
            assertThat(poll(() -> cdc.status().lagSeconds() > 2.5, Duration.ofSeconds(30)))
                    .as("lag while stopped with changes waiting in PostgreSQL (was: frozen)")
                    .isTrue();
            assertThat(status(health)).as("stopped on purpose").isEqualTo(Status.UP);
            cdc.disable();
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .inheritIO()
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private static Status status(CdcHealthIndicator health) {
        return health.health(true).getStatus();
    }

    private static boolean poll(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return condition.getAsBoolean();
    }
}
