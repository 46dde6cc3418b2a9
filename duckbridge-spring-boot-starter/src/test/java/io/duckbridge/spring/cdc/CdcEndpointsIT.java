package io.duckbridge.spring.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.ServiceFixtures;
import io.duckbridge.spring.TestApplication;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** CDC through the service: enabled by configuration, status, stop and start over HTTP, health and metrics. */
@Timeout(180)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=1GB",
            "DUCKDB_THREADS=2",
            "duckbridge.cdc.enabled=true",
            "duckbridge.cdc.slot-name=spring_cdc",
            "duckbridge.cdc.publication-name=spring_cdc",
            "duckbridge.cdc.tables=public.web_orders",
            "duckbridge.cdc.heartbeat-interval=500ms",
            "management.endpoints.web.exposure.include=health,prometheus",
            "management.endpoint.health.show-details=always"
        })
class CdcEndpointsIT {
    static final TestingPostgres postgres = TestingPostgres.start();

    static {
        postgres.execute("CREATE TABLE web_orders (id bigint PRIMARY KEY, item text)");
        postgres.execute("INSERT INTO web_orders SELECT g, 'item ' || g FROM generate_series(1, 100) g");
    }

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixtures.postgres(registry, () -> dataDir, postgres);
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void streamsStopsAndStartsOverHttp() throws Exception {
        Http http = Http.localhost(port);
        assertThat(poll(() -> count() == 100)).isTrue();
        // the copied rows are visible a moment before the state moves from SNAPSHOTTING to STREAMING
        assertThat(poll(() -> "STREAMING"
                        .equals(Http.json(http.get("/api/v1/cdc")).path("state").asString())))
                .isTrue();
        var status = Http.json(http.get("/api/v1/cdc"));
        assertThat(status.path("state").asString()).isEqualTo("STREAMING");
        assertThat(status.path("slot").asString()).isEqualTo("spring_cdc");
        assertThat(status.path("publication").asString()).isEqualTo("spring_cdc");
        assertThat(status.has("confirmedLsn")).isTrue();
        assertThat(status.has("lagBytes")).isTrue();
        assertThat(status.has("lagSeconds")).isTrue();
        assertThat(status.has("changesPerSecond")).isTrue();
        assertThat(status.at("/tables/0/table").asString()).isEqualTo("public.web_orders");

        postgres.execute("INSERT INTO web_orders VALUES (101, 'streamed')");
        assertThat(poll(() -> count() == 101)).isTrue();
        assertThat(Http.json(http.get("/api/v1/cdc")).path("appliedChanges").asLong())
                .isGreaterThanOrEqualTo(1);

        var stopped = http.post("/api/v1/cdc/stop", null);
        assertThat(stopped.statusCode()).isEqualTo(200);
        assertThat(Http.json(stopped).path("state").asString()).isEqualTo("STOPPED");
        postgres.execute("INSERT INTO web_orders VALUES (102, 'while stopped')");
        assertThat(postgres.query("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'spring_cdc'")
                        .getFirst()
                        .getFirst())
                .as("stop keeps the slot")
                .isEqualTo(1L);

        var started = http.post("/api/v1/cdc/start", null);
        assertThat(started.statusCode()).isEqualTo(200);
        // the answer says the start was taken, not the STOPPED of a moment before
        assertThat(Http.json(started).path("state").asString()).isIn("STARTING", "SNAPSHOTTING", "STREAMING");
        assertThat(poll(() -> count() == 102)).isTrue();

        assertThat(poll(() -> "STREAMING"
                        .equals(Http.json(http.get("/actuator/health"))
                                .at("/components/cdc/details/state")
                                .asString())))
                .isTrue();
        var health = Http.json(http.get("/actuator/health"));
        assertThat(health.at("/components/cdc/status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/cdc/details/state").asString()).isEqualTo("STREAMING");
        String metrics = http.get("/actuator/prometheus").body();
        assertThat(metrics).contains("duckbridge_cdc_lag_bytes").contains("duckbridge_cdc_wal_retained_bytes");

        // reset drops the slot; the next start copies the table again from a new slot's snapshot
        var reset = http.post("/api/v1/cdc/reset", null);
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        assertThat(Http.json(reset).path("state").asString()).isEqualTo("STOPPED");
        assertThat(postgres.query("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'spring_cdc'")
                        .getFirst()
                        .getFirst())
                .isEqualTo(0L);
        postgres.execute("INSERT INTO web_orders VALUES (103, 'while reset')");
        assertThat(http.post("/api/v1/cdc/start", null).statusCode()).isEqualTo(200);
        assertThat(poll(() -> count() == 103)).isTrue();
        assertThat(poll(() -> "STREAMING"
                        .equals(Http.json(http.get("/api/v1/cdc")).path("state").asString())))
                .isTrue();

        // a table of the explicit list renamed: the refused start names the setting to change
        assertThat(http.post("/api/v1/cdc/stop", null).statusCode()).isEqualTo(200);
        postgres.execute("ALTER TABLE web_orders RENAME TO web_orders_renamed");
        var refused = http.post("/api/v1/cdc/start", null);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(404);
        assertThat(Http.json(refused).path("detail").asString())
                .contains("public.web_orders")
                .contains("update duckbridge.cdc.tables");
    }

    private long count() {
        try {
            return engine.read(session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM public.web_orders")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        } catch (RuntimeException e) {
            return -1; // not copied yet
        }
    }

    private static boolean poll(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return false;
    }
}
