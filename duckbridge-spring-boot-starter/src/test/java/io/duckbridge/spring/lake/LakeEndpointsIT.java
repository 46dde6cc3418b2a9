package io.duckbridge.spring.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.ServiceFixtures;
import io.duckbridge.spring.TestApplication;
import io.duckbridge.testing.TestingS3;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@Timeout(120)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=1GB",
            "DUCKDB_THREADS=2",
            "management.endpoints.web.exposure.include=health",
            "management.endpoint.health.show-details=always",
            "duckbridge.lake.s3.path-style-access=true",
            "duckbridge.lake.s3.health-bucket=lake"
        })
class LakeEndpointsIT {
    static final TestingS3 s3 = ServiceFixtures.startS3("lake");

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixtures.s3(registry, () -> dataDir, s3);
    }

    @AfterAll
    static void stop() {
        ServiceFixtures.stopS3(s3);
    }

    void createOrders() {
        engine.executeOnLane("CREATE TABLE IF NOT EXISTS orders AS SELECT i AS id, i % 3 AS shop,"
                + " TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS at FROM range(1000) t(i)");
    }

    @Test
    void exportsToS3AndImportsBackOverHttp() {
        createOrders();
        var http = Http.localhost(port);
        var exported = http.post("/api/v1/exports?wait=true", """
                {"table": "orders", "target": "s3://lake/orders", "partitionBy": ["shop"], "orderBy": ["id"],
                 "compression": "zstd", "compressionLevel": 5, "rowGroupSize": 10000, "mode": "overwrite"}
                """);
        assertThat(exported.statusCode()).as(exported.body()).isEqualTo(200);
        var job = Http.json(exported);
        assertThat(job.path("kind").asString()).isEqualTo("export");
        assertThat(job.path("status").asString()).isEqualTo("succeeded");
        assertThat(job.at("/result/rows").asLong()).isEqualTo(1000);
        assertThat(job.at("/result/path").asString()).isEqualTo("sdk");
        assertThat(job.at("/result/manifest").asString()).startsWith("s3://lake/orders/v=");
        assertThat(job.at("/result/files").size()).isEqualTo(3);

        var started = http.post("/api/v1/imports", """
                {"source": "s3://lake/orders/**/*.parquet", "table": "orders_copy", "mode": "create"}
                """);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String jobId = Http.json(started).path("jobId").asString();
        long deadline = System.nanoTime() + 60_000_000_000L;
        String status;
        do {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // poll interval
            status = Http.json(http.get("/api/v1/jobs/" + jobId)).path("status").asString();
        } while ((status.equals("queued") || status.equals("running")) && System.nanoTime() < deadline);
        assertThat(status).isEqualTo("succeeded");
        long rows = engine.read(session -> {
            try (var st = session.statement();
                    var rs = st.executeQuery(
                            "SELECT count(*) FROM (SELECT * FROM orders EXCEPT SELECT * FROM" + " orders_copy)")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(rows).isZero();
        // imported without a schema, it is main.orders_copy; its unqualified name finds it like the builder does
        var described = http.get("/api/v1/tables/orders_copy");
        assertThat(described.statusCode()).as(described.body()).isEqualTo(200);
        assertThat(Http.json(described).path("schema").asString()).isEqualTo("main");
    }

    @Test
    void aCancelOverHttpAnswersWithTheJobEndedNotStillRunning() {
        engine.executeOnLane(
                "CREATE TABLE IF NOT EXISTS big AS SELECT i, md5(i::VARCHAR) AS h FROM range(10000000) r(i)");
        var http = Http.localhost(port);
        var started = http.post("/api/v1/exports", """
                {"table": "big", "target": "file:big-cancelled"}
                """);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String jobId = Http.json(started).path("jobId").asString();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Http.json(http.get("/api/v1/jobs/" + jobId))
                        .path("status")
                        .asString()
                        .equals("running")
                && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L); // poll interval
        }
        var cancelled = http.delete("/api/v1/jobs/" + jobId);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        // the answer waits for the job to stop: a client sees how it ended, not "running"
        assertThat(Http.json(cancelled).path("status").asString()).isEqualTo("cancelled");

        // zstd level 19 spends long stretches compressing between DuckDB's interrupt checks: a job that says
        // cancelled has let go of DuckDB too (its reader is free, nothing runs on)
        var slow = http.post("/api/v1/exports", """
                {"table": "big", "target": "file:big-slow", "compressionLevel": 19}
                """);
        String slowId = Http.json(slow).path("jobId").asString();
        java.util.concurrent.locks.LockSupport.parkNanos(1_500_000_000L); // into the COPY
        http.delete("/api/v1/jobs/" + slowId);
        long end = System.nanoTime() + 400_000_000_000L;
        String status;
        do {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L); // poll interval
            status =
                    Http.json(http.get("/api/v1/jobs/" + slowId)).path("status").asString();
        } while ((status.equals("queued") || status.equals("running")) && System.nanoTime() < end);
        assertThat(status).isEqualTo("cancelled");
        assertThat(engine.status().readersInUse()).isZero();
    }

    @Test
    void refusesABadTargetWithAProblem() {
        var response = Http.localhost(port).post("/api/v1/exports", """
                {"table": "orders", "target": "file:/etc"}
                """);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Http.json(response).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void refusesABadBucketNameBeforeAnyJobExists() {
        for (String path : new String[] {"/api/v1/exports", "/api/v1/imports"}) {
            var response = Http.localhost(port).post(path, """
                            {"table": "orders", "target": "s3://B_ad/x", "source": "s3://B_ad/x/*.parquet"}
                            """);
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(400);
            assertThat(Http.json(response).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
            assertThat(Http.json(response).path("detail").asString()).contains("\"B_ad\" is not a valid bucket name");
        }
        assertThat(Http.json(Http.localhost(port).get("/api/v1/jobs")).toString())
                .doesNotContain("B_ad");
    }

    @Test
    void refusesUnknownTablesAndColumnsBeforeAnyJobExists() {
        createOrders();
        String[] bodies = {
            "{\"table\": \"no_such_table\", \"target\": \"file:unbound\"}",
            "{\"table\": \"orders\", \"target\": \"file:unbound\", \"orderBy\": [\"no_such_column\"]}",
            "{\"table\": \"orders\", \"target\": \"file:unbound\", \"partitionBy\": [\"no_such_column\"]}"
        };
        for (String body : bodies) {
            var response = Http.localhost(port).post("/api/v1/exports", body);
            assertThat(response.statusCode()).as(body + ": " + response.body()).isEqualTo(400);
            assertThat(Http.json(response).path("errorClass").asString()).isEqualTo("BINDER");
            assertThat(Http.json(response).path("detail").asString())
                    .containsPattern("no_such_(table|column)")
                    .doesNotContain("DESCRIBE", "pg_sequences");
        }
        assertThat(Http.json(Http.localhost(port).get("/api/v1/jobs")).toString())
                .doesNotContain("file:unbound");
    }

    @Test
    void refusesAnImportWhoseModeDoesNotFitTheTableBeforeAnyJobExists() {
        createOrders();
        var create = Http.localhost(port).post("/api/v1/imports", """
                {"source": "file:unmatched/*.parquet", "table": "orders", "mode": "create"}
                """);
        assertThat(create.statusCode()).as(create.body()).isEqualTo(409);
        assertThat(Http.json(create).path("errorClass").asString()).isEqualTo("CONFLICT");
        assertThat(Http.json(create).path("detail").asString())
                .isEqualTo("table orders already exists; use mode append or replace");

        var append = Http.localhost(port).post("/api/v1/imports", """
                {"source": "file:unmatched/*.parquet", "table": "no_such_table", "mode": "append"}
                """);
        assertThat(append.statusCode()).as(append.body()).isEqualTo(404);
        assertThat(Http.json(append).path("errorClass").asString()).isEqualTo("NOT_FOUND");
        assertThat(Http.json(append).path("detail").asString())
                .isEqualTo("table no_such_table does not exist; use mode create");
        assertThat(Http.json(Http.localhost(port).get("/api/v1/jobs")).toString())
                .doesNotContain("file:unmatched");
    }

    @Test
    void refusesAWritingQueryBeforeAnyJobExists() {
        var response = Http.localhost(port).post("/api/v1/exports", """
                {"sql": "WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d", "target": "file:refused"}
                """);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(Http.json(response).path("errorClass").asString()).isEqualTo("READ_ONLY_VIOLATION");
        assertThat(Http.json(Http.localhost(port).get("/api/v1/jobs")).toString())
                .doesNotContain("file:refused");
    }

    @Test
    void anExportedQueryMayReadTheQueryApisFileRoot() throws Exception {
        java.nio.file.Files.createDirectories(dataDir.resolve("exports"));
        java.nio.file.Files.writeString(dataDir.resolve("exports/rates.csv"), "code,rate\nEUR,1.1\nUSD,1.0\n");
        var response = Http.localhost(port)
                .post(
                        "/api/v1/exports?wait=true",
                        "{\"sql\": \"SELECT * FROM read_csv('" + dataDir.resolve("exports/rates.csv")
                                + "')\", \"target\": \"file:rates\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Http.json(response).path("result").path("rows").asLong()).isEqualTo(2);
    }

    @Test
    void healthSaysWhichPathIsUsedAndThatStorageAnswers() {
        var health = Http.json(Http.localhost(port).get("/actuator/health"));
        assertThat(health.at("/components/lake/status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/lake/details/path").asString()).isEqualTo("sdk");
        assertThat(health.at("/components/lake/details/reachable").asBoolean()).isTrue();
    }
}
