package io.duckbridge.spring.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The auth matrix: every endpoint of the HTTP contract × {no key, wrong key, reader, admin}. Authorization is
 * decided before a controller runs, so endpoints whose controller is absent from this application still show
 * whether the filter lets the request through (a 404 from MVC) or refuses it (401/403).
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "server.address=0.0.0.0",
            "DUCKDB_MEMORY_LIMIT=512MB",
            "DUCKDB_THREADS=1",
            "management.endpoints.web.exposure.include=health,prometheus,metrics",
            "management.endpoint.health.probes.enabled=true"
        })
class ApiKeyAuthorizationIT {
    static final String READER_KEY = "reader-key-7c1e0b5a9d";
    static final String ADMIN_KEY = "admin-key-42f9e6d1c3";

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @org.springframework.beans.factory.annotation.Autowired
    io.duckbridge.core.jobs.JobRunner jobs;

    /**
     * Waits for the jobs an admin call started (a backup, say): the data directory is deleted after the
     * last test, and a job still writing into it would make that fail.
     */
    @org.junit.jupiter.api.AfterEach
    void jobsEnded() throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (jobs.recent().stream()
                        .anyMatch(j -> j.status() == io.duckbridge.core.jobs.JobStatus.QUEUED
                                || j.status() == io.duckbridge.core.jobs.JobStatus.RUNNING)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
        io.duckbridge.spring.ServiceFixtures.apiKeys(registry, READER_KEY, ADMIN_KEY);
    }

    /** Who may call an endpoint. */
    enum Needs {
        NOBODY_IN_PARTICULAR,
        READER,
        ADMIN
    }

    record Endpoint(String method, String path, String body, Needs needs) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** Every endpoint of API.md, with the role it needs. */
    static Stream<Endpoint> endpoints() {
        List<Endpoint> all = new ArrayList<>();
        // reader: query and read status
        all.add(new Endpoint("POST", "/api/v1/query", "{\"sql\":\"SELECT 1\"}", Needs.READER));
        all.add(new Endpoint("POST", "/api/v1/query/explain", "{\"sql\":\"SELECT 1\"}", Needs.READER));
        all.add(new Endpoint("POST", "/api/v1/tables/no_such_table/rows", "{\"limit\":1}", Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/queries/stats", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/queries/recent?slowerThanMs=0", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/tables", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/tables/public.no_such_table", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/cdc", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/jobs", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/jobs/no-such-job", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/backups", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/backups/no-such-backup", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/backups/remote", null, Needs.READER));
        all.add(new Endpoint("GET", "/analytics/query?query=SELECT%201", null, Needs.READER));
        all.add(new Endpoint("GET", "/analytics/health", null, Needs.READER));
        all.add(new Endpoint("GET", "/actuator/prometheus", null, Needs.READER));
        all.add(new Endpoint("GET", "/actuator/metrics", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/auth/me", null, Needs.READER));
        all.add(new Endpoint("GET", "/api/v1/models", null, Needs.READER));
        all.add(new Endpoint("DELETE", "/api/v1/queries/no-such-request", null, Needs.READER));
        // admin: change data or state
        all.add(new Endpoint("POST", "/api/v1/sync/public.no_such_table?mode=full", null, Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/sync?mode=full", null, Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/tables/public.no_such_table/optimize", null, Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/cdc/start", null, Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/cdc/stop", null, Needs.ADMIN));
        all.add(new Endpoint("DELETE", "/api/v1/jobs/no-such-job", null, Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/exports", "{}", Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/imports", "{}", Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/backups", "{}", Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/backups/no-such-backup/validate", null, Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/backups/no-such-backup/restore", null, Needs.ADMIN));
        all.add(new Endpoint("DELETE", "/api/v1/backups/no-such-backup", null, Needs.ADMIN));
        all.add(new Endpoint("POST", "/api/v1/backups/no-such-backup/download", null, Needs.ADMIN));
        all.add(new Endpoint("POST", "/analytics/sync/no_such_model?incremental=true", null, Needs.ADMIN));
        // open: probes
        all.add(new Endpoint("GET", "/actuator/health", null, Needs.NOBODY_IN_PARTICULAR));
        all.add(new Endpoint("GET", "/actuator/health/liveness", null, Needs.NOBODY_IN_PARTICULAR));
        all.add(new Endpoint("GET", "/actuator/health/readiness", null, Needs.NOBODY_IN_PARTICULAR));
        return all.stream();
    }

    private HttpResponse<String> call(Endpoint e, String... headers) {
        Http http = Http.localhost(port);
        return switch (e.method()) {
            case "GET" -> http.get(e.path(), headers);
            case "POST" -> http.post(e.path(), e.body(), headers);
            case "DELETE" -> http.delete(e.path(), headers);
            default -> throw new IllegalArgumentException(e.method());
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void withoutKey(Endpoint e) {
        var response = call(e);
        if (e.needs() == Needs.NOBODY_IN_PARTICULAR) {
            assertThat(response.statusCode()).isEqualTo(200);
        } else {
            assertPermissionProblem(response, 401);
            assertThat(response.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void withWrongKey(Endpoint e) {
        var response = call(e, "Authorization", "Bearer not-a-configured-key");
        if (e.needs() == Needs.NOBODY_IN_PARTICULAR) {
            // probes stay reachable for a kubelet that sends nothing, but a wrong key is still refused
            assertThat(response.statusCode()).isIn(200, 401);
        } else {
            assertPermissionProblem(response, 401);
            assertThat(Http.json(response).path("detail").asString()).isEqualTo("the API key is not valid");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void withReaderKey(Endpoint e) {
        var response = call(e, "Authorization", "Bearer " + READER_KEY);
        if (e.needs() == Needs.ADMIN) {
            assertPermissionProblem(response, 403);
        } else {
            assertThat(response.statusCode()).as(response.body()).isNotIn(401, 403);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void withAdminKey(Endpoint e) {
        var response = call(e, "X-API-Key", ADMIN_KEY);
        assertThat(response.statusCode()).as(response.body()).isNotIn(401, 403);
    }

    @Test
    void aQueryIsCancelledByItsOwnerOrAnAdminOnly() throws Exception {
        Http http = Http.localhost(port);
        String slow = "{\"sql\":\"SELECT sum(hash(i)) FROM range(1000000000000) t(i)\",\"timeoutMs\":60000}";
        var adminQuery = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> http.post("/api/v1/query", slow, "X-API-Key", ADMIN_KEY, "X-Request-Id", "admins-slow-query"));
        Thread.sleep(1500); // it runs for hours unless cancelled
        // the reader may not cancel the admin's query: to the reader it does not exist
        var byReader = http.delete("/api/v1/queries/admins-slow-query", "X-API-Key", READER_KEY);
        assertThat(byReader.statusCode()).as(byReader.body()).isEqualTo(404);
        assertThat(adminQuery).isNotDone();
        cancel(http, "admins-slow-query", ADMIN_KEY);
        var answer = adminQuery.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(499);
        assertThat(Http.json(answer).path("errorClass").asString()).isEqualTo("CANCELLED");

        var readerQuery = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> http.post("/api/v1/query", slow, "X-API-Key", READER_KEY, "X-Request-Id", "readers-slow-query"));
        cancel(http, "readers-slow-query", READER_KEY);
        assertThat(readerQuery.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode())
                .isEqualTo(499);
        // once it has ended there is nothing left to cancel
        assertThat(http.delete("/api/v1/queries/readers-slow-query", "X-API-Key", READER_KEY)
                        .statusCode())
                .isEqualTo(404);
    }

    /** Cancels the query sent with {@code requestId} as soon as it is there to cancel. */
    private static void cancel(Http http, String requestId, String key) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            var cancel = http.delete("/api/v1/queries/" + requestId, "X-API-Key", key);
            if (cancel.statusCode() == 200) {
                assertThat(Http.json(cancel).path("cancelled").asInt()).isEqualTo(1);
                return;
            }
            assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(404);
            Thread.sleep(20);
        }
        throw new AssertionError("query " + requestId + " was never running to cancel");
    }

    @Test
    void readerKeyReachesALandedEndpointAndGetsItsAnswer() {
        var response = Http.localhost(port).get("/api/v1/jobs", "X-API-Key", READER_KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Http.json(response).isArray()).isTrue();
        var missing = Http.localhost(port).get("/api/v1/jobs/nope", "Authorization", "bearer " + READER_KEY);
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    @Test
    void refusalsAreCountedAsPermissionErrors() {
        double before = permissionErrors();
        assertThat(Http.localhost(port).get("/api/v1/jobs").statusCode()).isEqualTo(401);
        assertThat(Http.localhost(port)
                        .get("/api/v1/jobs", "X-API-Key", "wrong")
                        .statusCode())
                .isEqualTo(401);
        assertThat(Http.localhost(port)
                        .post("/api/v1/backups", null, "X-API-Key", READER_KEY)
                        .statusCode())
                .isEqualTo(403);
        assertThat(permissionErrors()).isEqualTo(before + 3);
    }

    private double permissionErrors() {
        String body = Http.localhost(port)
                .get("/actuator/prometheus", "X-API-Key", READER_KEY)
                .body();
        return body.lines()
                .filter(l -> l.startsWith("duckbridge_errors_total{") && l.contains("errorClass=\"PERMISSION\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void keysNeverAppearInTheLog(CapturedOutput output) {
        Http.localhost(port).get("/api/v1/jobs", "X-API-Key", "a-wrong-key-that-must-not-be-logged");
        Http.localhost(port).get("/api/v1/jobs", "X-API-Key", READER_KEY);
        assertThat(output.getAll())
                .doesNotContain("a-wrong-key-that-must-not-be-logged")
                .doesNotContain(READER_KEY)
                .doesNotContain(ADMIN_KEY)
                .contains("refused an unknown API key");
    }

    private static void assertPermissionProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        var problem = Http.json(response);
        assertThat(problem.path("errorClass").asString()).isEqualTo("PERMISSION");
        assertThat(problem.path("status").asInt()).isEqualTo(status);
    }
}
