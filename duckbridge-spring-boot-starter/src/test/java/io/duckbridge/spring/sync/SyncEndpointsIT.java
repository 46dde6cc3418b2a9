package io.duckbridge.spring.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.ServiceFixtures;
import io.duckbridge.spring.TestApplication;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

@Timeout(120)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=1GB",
            "DUCKDB_THREADS=2",
            "duckbridge.sync.exclude=public.secret*",
            "duckbridge.sync.layouts[public.orders].sort-columns=amount,id",
            "duckbridge.sync.layouts[public.orders].indexes=id",
            "management.endpoints.web.exposure.include=health,prometheus"
        })
class SyncEndpointsIT {
    static final TestingPostgres postgres = TestingPostgres.start();

    static {
        postgres.execute("""
                CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10,2), updated_at timestamptz DEFAULT now());
                INSERT INTO orders (id, amount) SELECT g, g * 1.5 FROM generate_series(1, 1000) g;
                CREATE TABLE secrets (id int PRIMARY KEY);
                CREATE TABLE regions (id int PRIMARY KEY, name text);
                INSERT INTO regions VALUES (1, 'north'), (2, 'south');
                ANALYZE;
                """);
    }

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @org.springframework.beans.factory.annotation.Autowired
    io.duckbridge.core.engine.DuckDbEngine engine;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixtures.postgres(registry, () -> dataDir, postgres);
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void chosenTablesSyncInOneJobFromOneSnapshot() throws Exception {
        Http http = Http.localhost(port);
        var done = http.post("/api/v1/sync?mode=full&wait=true&table=public.orders&table=regions&table=regions", null);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        JsonNode tables = Http.json(done).at("/result/tables");
        assertThat(tables.size()).isEqualTo(2);
        assertThat(tables.get(0).path("snapshot").asString())
                .isNotBlank()
                .isEqualTo(tables.get(1).path("snapshot").asString());
        assertThat(java.util.List.of(
                        tables.get(0).path("table").asString(),
                        tables.get(1).path("table").asString()))
                .containsExactlyInAnyOrder("public.orders", "public.regions");
    }

    @Test
    void syncsATableAndDescribesIt() throws Exception {
        Http http = Http.localhost(port);
        var accepted = http.post("/api/v1/sync/public.orders?mode=full", null);
        assertThat(accepted.statusCode()).isEqualTo(202);
        String jobId = Http.json(accepted).path("jobId").asString();
        JsonNode job = awaitJob(http, jobId);
        assertThat(job.path("status").asString()).isEqualTo("succeeded");
        assertThat(job.path("kind").asString()).isEqualTo("sync");
        assertThat(job.at("/progress/unit").asString()).isEqualTo("rows");
        assertThat(job.at("/progress/done").asLong()).isEqualTo(1000);
        assertThat(job.at("/result/rows").asLong()).isEqualTo(1000);

        var table = Http.json(http.get("/api/v1/tables/public.orders"));
        assertThat(table.path("rowCount").asLong()).isEqualTo(1000);
        assertThat(table.at("/columns/1/duckdbType").asString()).isEqualTo("DECIMAL(10,2)");
        assertThat(table.at("/columns/1/postgresType").asString()).isEqualTo("numeric(10,2)");
        assertThat(table.at("/syncState/status").asString()).isEqualTo("succeeded");

        var tables = Http.json(http.get("/api/v1/tables"));
        assertThat(tables.toString()).contains("\"name\":\"orders\"").contains("\"source\":\"pg public.orders\"");

        postgres.execute("INSERT INTO orders (id, amount) VALUES (1001, 1)");
        var waited = http.post("/api/v1/sync?mode=incremental&wait=true", null);
        assertThat(waited.statusCode()).isEqualTo(200);
        assertThat(Http.json(waited).path("status").asString()).isEqualTo("succeeded");
        // a finished sync counts what it copied, not the estimate of the tables' sizes it started with
        assertThat(Http.json(waited).at("/progress/total").asLong())
                .isEqualTo(Http.json(waited).at("/progress/done").asLong())
                .isEqualTo(Http.json(waited).at("/result/rows").asLong());

        var seed = http.post("/analytics/sync/orders?incremental=true", null);
        assertThat(seed.statusCode()).isEqualTo(200);
        assertThat(Http.json(seed).path("status").asString()).isEqualTo("sync_completed");
        assertThat(Http.json(seed).path("model").asString()).isEqualTo("orders");
        assertThat(Http.json(http.get("/api/v1/tables/orders")).path("rowCount").asLong())
                .isEqualTo(1001);

        String metrics = http.get("/actuator/prometheus").body();
        double syncedRows = metrics.lines()
                .filter(l -> l.startsWith("duckbridge_sync_rows_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
        // the full sync copied 1000 rows; the incremental ones add the changed row(s)
        assertThat(syncedRows).isGreaterThanOrEqualTo(1000);
        assertThat(metrics)
                .contains("duckbridge_jobs_duration_seconds_count{kind=\"sync\",status=\"succeeded\"")
                .contains("duckbridge_sync_last_rows_per_second");
    }

    @Test
    void optimizesATableByItsConfiguredLayout() throws Exception {
        Http http = Http.localhost(port);
        assertThat(http.post("/api/v1/sync/public.orders?mode=full&wait=true", null)
                        .statusCode())
                .isEqualTo(200);
        var optimized = http.post("/api/v1/tables/public.orders/optimize?wait=true", null);
        assertThat(optimized.statusCode()).isEqualTo(200);
        JsonNode job = Http.json(optimized);
        assertThat(job.path("kind").asString()).isEqualTo("optimize");
        assertThat(job.path("status").asString()).isEqualTo("succeeded");
        assertThat(job.at("/result/rows").asLong()).isGreaterThanOrEqualTo(1000);
        assertThat(job.at("/result/indexes").toString()).isEqualTo("[\"id\"]");

        var withoutLayout = http.post("/api/v1/tables/public.secrets/optimize?wait=true", null);
        assertThat(withoutLayout.statusCode()).isEqualTo(400);
        assertThat(Http.json(withoutLayout).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void rejectsUnknownModesAndTables() {
        Http http = Http.localhost(port);
        var badMode = http.post("/api/v1/sync/orders?mode=sometimes", null);
        assertThat(badMode.statusCode()).isEqualTo(400);
        assertThat(Http.json(badMode).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
        assertThat(http.get("/api/v1/tables/public.nothing").statusCode()).isEqualTo(404);
        var excluded = http.post("/api/v1/sync/secrets?wait=true", null);
        assertThat(excluded.statusCode()).isEqualTo(404);
        for (String path :
                new String[] {"/api/v1/sync/orders?wait=maybe", "/analytics/sync/orders?incremental=maybe"}) {
            var badFlag = http.post(path, null);
            assertThat(badFlag.statusCode()).as(path).isEqualTo(400);
            assertThat(Http.json(badFlag).path("type").asString()).isEqualTo("urn:duckbridge:problem:invalid_request");
            assertThat(Http.json(badFlag).path("detail").asString())
                    .as(path)
                    .startsWith("\"maybe\" is not a valid value for ")
                    .endsWith("; use true or false");
        }
    }

    @Test
    void dropsTheCopyOfATableThatLeftPostgres() {
        Http http = Http.localhost(port);
        postgres.execute("CREATE TABLE leaving (id int PRIMARY KEY); INSERT INTO leaving SELECT generate_series(1, 7)");
        assertThat(http.post("/api/v1/sync/leaving?wait=true", null).statusCode())
                .isEqualTo(200);
        postgres.execute("DROP TABLE leaving");

        var dropped = http.delete("/api/v1/tables/leaving");
        assertThat(dropped.statusCode()).as(dropped.body()).isEqualTo(200);
        assertThat(Http.json(dropped).path("table").asString()).isEqualTo("public.leaving");
        assertThat(Http.json(dropped).path("rows").asLong()).isEqualTo(7);
        assertThat(http.get("/api/v1/tables/public.leaving").statusCode()).isEqualTo(404);
        assertThat(http.get("/api/v1/tables").body()).doesNotContain("\"leaving\"");
        // its sync state went with it: nothing reports a last sync of a table DuckDB no longer has
        var state = http.post(
                "/api/v1/query",
                "{\"sql\":\"SELECT count(*) AS n FROM duckbridge.sync_state WHERE table_name LIKE '%leaving%'\"}");
        assertThat(Http.json(state).at("/rows/0/0").asLong()).as(state.body()).isZero();

        var again = http.delete("/api/v1/tables/public.leaving");
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(Http.json(again).path("errorClass").asString()).isEqualTo("NOT_FOUND");
        // an unqualified name that is both public's copy and main's table: a drop does not guess
        postgres.execute("CREATE TABLE twice (id int PRIMARY KEY)");
        assertThat(http.post("/api/v1/sync/twice?wait=true", null).statusCode()).isEqualTo(200);
        assertThat(http.post("/api/v1/query", "{\"sql\":\"SELECT 1\"}").statusCode())
                .isEqualTo(200);
        engine.executeOnLane("CREATE TABLE main.twice AS SELECT 1 AS id");
        var ambiguous = http.delete("/api/v1/tables/twice");
        assertThat(ambiguous.statusCode()).as(ambiguous.body()).isEqualTo(400);
        assertThat(Http.json(ambiguous).path("detail").asString()).contains("public.twice", "main.twice");
        assertThat(http.delete("/api/v1/tables/main.twice").statusCode()).isEqualTo(200);
        assertThat(http.delete("/api/v1/queries/not%20an%20id").statusCode()).isEqualTo(400);

        var own = http.delete("/api/v1/tables/duckbridge.sync_state");
        assertThat(own.statusCode()).isEqualTo(400);
        assertThat(Http.json(own).path("detail").asString()).contains("Duckbridge's own state");
    }

    static JsonNode awaitJob(Http http, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode job = Http.json(http.get("/api/v1/jobs/" + id));
        while (!job.path("finishedAt").isString() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            job = Http.json(http.get("/api/v1/jobs/" + id));
        }
        return job;
    }
}
