package io.duckbridge.spring.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@Timeout(120)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            // nothing listens on port 1 of the loopback address: connections are refused at once (SQLSTATE 08001)
            "duckbridge.postgres.url=jdbc:postgresql://127.0.0.1:1/shop",
            "duckbridge.postgres.username=nobody",
            "duckbridge.resilience.postgres.attempts=2",
            "duckbridge.resilience.postgres.first-backoff=10ms",
            "duckbridge.resilience.postgres.window=4",
            "DUCKDB_MEMORY_LIMIT=256MB",
            "DUCKDB_THREADS=1",
            "management.endpoints.web.exposure.include=health,prometheus",
            "management.endpoint.health.show-details=always",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.group.readiness.include=readinessState,duckdb"
        })
class PostgresBreakerIT {
    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    @Test
    void repeatedConnectionFailuresOpenTheBreakerShownInHealthAndMetricsWhileReadinessStaysUp() {
        Http http = Http.localhost(port);
        var first = Http.json(http.get("/actuator/health"));
        assertThat(first.at("/components/postgres/details/reason").asString())
                .startsWith("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/shop");

        // a sync makes two refused attempts (the health check, shared for 5 s, one): the window of 4 fills with
        // failures within a few calls and the breaker opens
        String state =
                first.at("/components/circuitBreakers/details/postgres/state").asString();
        for (int i = 0; i < 5 && !state.equals("OPEN"); i++) {
            http.post("/api/v1/sync?mode=full&wait=true", "");
            state = Http.json(http.get("/actuator/health"))
                    .at("/components/circuitBreakers/details/postgres/state")
                    .asString();
        }
        assertThat(state).isEqualTo("OPEN");
        assertThat(Http.json(http.get("/actuator/health"))
                        .at("/components/circuitBreakers/status")
                        .asString())
                .isEqualTo("DOWN");

        // once the shared check is due again, it fails at once on the open breaker
        try {
            Thread.sleep(io.duckbridge.spring.health.PostgresHealthIndicator.TTL.toMillis() + 100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        long start = System.nanoTime();
        var third = Http.json(http.get("/actuator/health"));
        assertThat(third.at("/components/postgres/details/reason").asString()).contains("circuit breaker is open");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);

        String metrics = http.get("/actuator/prometheus").body();
        assertThat(metrics)
                .containsPattern(
                        "resilience4j_circuitbreaker_state\\{[^}]*name=\"postgres\"[^}]*state=\"open\"[^}]*} 1.0")
                .contains("resilience4j_retry_calls_total{")
                .contains("resilience4j_circuitbreaker_not_permitted_calls_total{");

        assertThat(http.get("/actuator/health/readiness").statusCode()).isEqualTo(200);
    }
}
