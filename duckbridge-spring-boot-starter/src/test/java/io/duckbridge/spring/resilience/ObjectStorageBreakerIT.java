package io.duckbridge.spring.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.ServiceFixtures;
import io.duckbridge.spring.TestApplication;
import io.duckbridge.testing.TestingS3;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
            "DUCKDB_MEMORY_LIMIT=256MB",
            "DUCKDB_THREADS=1",
            "duckbridge.lake.s3.path-style-access=true",
            "duckbridge.lake.s3.health-bucket=lake",
            // two attempts per request; a window of two failed attempts opens the breaker for a second
            "duckbridge.resilience.object-storage.attempts=2",
            "duckbridge.resilience.object-storage.first-backoff=10ms",
            "duckbridge.resilience.object-storage.window=2",
            "duckbridge.resilience.object-storage.open-for=1s",
            "management.endpoints.web.exposure.include=health,prometheus",
            "management.endpoint.health.show-details=always"
        })
class ObjectStorageBreakerIT {
    static final TestingS3 s3 = ServiceFixtures.startS3("lake");
    static final String EXPORT = """
            {"table": "orders", "target": "s3://lake/orders"}
            """;

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

    @Test
    void failingStorageOpensTheBreakerShownInHealthAndMetricsAndItClosesWhenStorageRecovers() {
        engine.executeOnLane("CREATE TABLE orders AS SELECT i AS id FROM range(1000) t(i)");
        Http http = Http.localhost(port);
        assertThat(http.post("/api/v1/exports?wait=true", EXPORT).statusCode()).isEqualTo(200);

        s3.failWritesAfter(0); // every upload now answers 500
        var failed = http.post("/api/v1/exports?wait=true", EXPORT);
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
        // a failed job answers as the problem it is (API.md: every error is problem+json), the job beside it
        assertThat(failed.headers().firstValue("Content-Type")).contains("application/problem+json");
        // the failures opened the breaker (open-for 1 s): a retry makes sense once it lets a trial through
        assertThat(failed.headers().firstValue("Retry-After")).contains("1");
        assertThat(Http.json(failed).path("errorClass").asString()).isEqualTo("SOURCE_UNAVAILABLE");
        assertThat(Http.json(failed).path("status").asInt()).isEqualTo(503);
        assertThat(Http.json(failed).path("jobStatus").asString()).isEqualTo("failed");
        assertThat(Http.json(failed).path("jobId").asString())
                .isEqualTo(Http.json(failed).path("id").asString())
                .isNotBlank();
        assertThat(Http.json(failed).at("/error/errorClass").asString()).isEqualTo("SOURCE_UNAVAILABLE");
        long writes = s3.count("putBlob");

        var health = Http.json(http.get("/actuator/health"));
        assertThat(health.at("/components/circuitBreakers/details/object-storage/state")
                        .asString())
                .isEqualTo("OPEN");
        assertThat(health.at("/components/circuitBreakers/status").asString()).isEqualTo("DOWN");
        assertThat(http.get("/actuator/prometheus").body())
                .containsPattern("resilience4j_circuitbreaker_state\\{[^}]*name=\"object-storage\"[^}]*"
                        + "state=\"open\"[^}]*} 1.0")
                .containsPattern("resilience4j_retry_calls_total\\{[^}]*name=\"object-storage\"");

        // while open, an export fails at once without sending anything
        var refused = http.post("/api/v1/exports?wait=true", EXPORT);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(Http.json(refused).at("/error/detail").asString()).contains("circuit breaker is open");
        // Retry-After is the time until the breaker lets a trial through (open-for is 1 s here), not the default
        assertThat(refused.headers().firstValue("Retry-After")).contains("1");
        assertThat(s3.count("putBlob")).isEqualTo(writes);

        s3.healWrites();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int status;
        do {
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L); // poll interval
            status = http.post("/api/v1/exports?wait=true", EXPORT).statusCode();
        } while (status != 200 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(200);
        assertThat(Http.json(http.get("/actuator/health"))
                        .at("/components/circuitBreakers/details/object-storage/state")
                        .asString())
                .isEqualTo("CLOSED");
    }
}
