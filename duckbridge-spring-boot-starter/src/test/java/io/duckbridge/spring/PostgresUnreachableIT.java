package io.duckbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

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
            // nothing listens on port 1 of the loopback address: connections are refused at once
            // pgjdbc also reads a password from the URL: health (open to anyone) must not show it
            "duckbridge.postgres.url=jdbc:postgresql://127.0.0.1:1/shop?sslmode=disable&password=s3cret-in-url",
            "duckbridge.postgres.username=nobody",
            "management.endpoints.web.exposure.include=health",
            "management.endpoint.health.show-details=always",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.group.readiness.include=readinessState,duckdb"
        })
class PostgresUnreachableIT {
    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    @Test
    void postgresIsDownWithTheReasonWhileReadinessStaysUp() {
        var health = Http.json(Http.localhost(port).get("/actuator/health"));
        assertThat(health.at("/components/postgres/status").asString()).isEqualTo("DOWN");
        assertThat(health.at("/components/postgres/details/reason").asString())
                .contains(
                        "cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/shop?sslmode=disable&password=****");
        assertThat(health.at("/components/postgres/details/url").asString())
                .isEqualTo("jdbc:postgresql://127.0.0.1:1/shop?sslmode=disable&password=****");
        assertThat(health.toString()).doesNotContain("s3cret-in-url");
        assertThat(health.at("/components/duckdb/status").asString()).isEqualTo("UP");

        var readiness = Http.localhost(port).get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(Http.json(readiness).path("status").asString()).isEqualTo("UP");
    }

    @Test
    void anUnknownHealthComponentIsAProblemNotAnEmptyBody() {
        // found by an acceptance tester: API.md promises problem+json for every error; the actuator's 404 was empty
        var missing = Http.localhost(port).get("/actuator/health/nosuch");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        var body = Http.json(missing);
        assertThat(body.path("errorClass").asString()).isEqualTo("NOT_FOUND");
        assertThat(body.path("status").asInt()).isEqualTo(404);
        assertThat(body.path("detail").asString()).contains("/actuator/health/nosuch");
        // an error answer with a body of its own is left as it is: the health document, DOWN
        var health = Http.localhost(port).get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(Http.json(health).path("status").asString()).isEqualTo("DOWN");
    }
}
