package io.duckbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
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
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.group.readiness.include=readinessState,duckdb"
        })
class DuckbridgeServiceIT {
    static final TestingPostgres postgres = TestingPostgres.start();

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
        registry.add("duckbridge.postgres.url", postgres::jdbcUrl);
        registry.add("duckbridge.postgres.username", postgres::username);
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void healthIsUpWithDuckDbAndPostgresComponents() {
        var response = Http.localhost(port).get("/actuator/health");
        assertThat(response.statusCode()).isEqualTo(200);
        var health = Http.json(response);
        assertThat(health.path("status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/duckdb/status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/postgres/status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/postgres/details/walLevel").asString())
                .isEqualTo("logical");
    }

    @Test
    void duckdbEnvironmentVariablesReachDuckDbAndTheHealthDetails() {
        String effective = engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT current_setting('memory_limit')")) {
                rs.next();
                return rs.getString(1);
            }
        });
        assertThat(effective).isEqualTo("953.6 MiB");
        var details = Http.json(Http.localhost(port).get("/actuator/health")).at("/components/duckdb/details");
        assertThat(details.path("memory_limit").asString()).isEqualTo("953.6 MiB");
        assertThat(details.path("memoryLimitBytes").asLong()).isEqualTo(1_000_000_000L);
        assertThat(details.path("threads").asInt()).isEqualTo(2);
        assertThat(details.path("temp_directory").asString()).startsWith(dataDir.toString());
        assertThat(details.path("database").asString())
                .isEqualTo(dataDir.resolve("analytics.duckdb").toString());
        assertThat(details.has("memoryUsageBytes")).isTrue();
    }

    @Test
    void seedCompatibleAnalyticsHealthReportsRealValues() throws Exception {
        engine.write(session -> session.statement().execute("CREATE TABLE IF NOT EXISTS seed_t AS SELECT 1 AS i"));
        // a staging table of a sync in progress is not a table of the user's
        engine.write(session -> session.statement()
                .execute("CREATE TABLE IF NOT EXISTS __duckbridge_staging_0123456789ab_0 AS SELECT 1 AS i"));
        var response = Http.localhost(port).get("/analytics/health");
        assertThat(response.statusCode()).isEqualTo(200);
        var body = Http.json(response);
        assertThat(body.path("database_accessible").asBoolean()).isTrue();
        assertThat(body.path("table_count").asLong())
                .isGreaterThanOrEqualTo(1)
                .isEqualTo(Http.json(Http.localhost(port).get("/api/v1/tables")).size());
        // bytes in use now, not the 1 GB limit
        assertThat(body.path("memory_usage").asLong()).isBetween(0L, 999_999_999L);
        assertThat(body.has("last_backup")).isTrue();
        long freeMb = java.nio.file.Files.getFileStore(dataDir).getUsableSpace() / (1024 * 1024);
        assertThat(body.path("disk_space_mb").asLong()).isBetween(freeMb - 1024, freeMb + 1024);
    }

    @Test
    void unknownJobIsAProblemJson404() {
        var response = Http.localhost(port).get("/api/v1/jobs/does-not-exist");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        var problem = Http.json(response);
        assertThat(problem.path("errorClass").asString()).isEqualTo("NOT_FOUND");
        assertThat(problem.path("detail").asString()).contains("does-not-exist");
        assertThat(response.body()).doesNotContain("at io.duckbridge");
    }

    @Test
    void springsOwnFailuresNameTheInputAndTheFix() {
        var unknownPath = Http.localhost(port).get("/api/v1/no-such-endpoint");
        assertThat(unknownPath.statusCode()).isEqualTo(404);
        assertThat(Http.json(unknownPath).path("errorClass").asString()).isEqualTo("NOT_FOUND");
        assertThat(Http.json(unknownPath).path("detail").asString())
                // the starter alone serves no /v3/api-docs (the standalone server does): no hint to it
                .isEqualTo("no endpoint GET /api/v1/no-such-endpoint");

        var badJson = Http.localhost(port).post("/api/v1/exports", "{\"table\": ");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(Http.json(badJson).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
        assertThat(Http.json(badJson).path("detail").asString())
                .startsWith("the request body is not valid JSON for this endpoint: ")
                .doesNotContain("/v3/api-docs");
        assertThat(badJson.body()).doesNotContain("at io.duckbridge", "at tools.jackson");

        // refused by Tomcat before any servlet sees it: still problem+json, and no server banner
        var encodedSlash = Http.localhost(port).get("/api/v1/backups/..%2F..%2Fetc%2Fpasswd");
        assertThat(encodedSlash.statusCode()).isEqualTo(400);
        assertThat(encodedSlash.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(Http.json(encodedSlash).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
        assertThat(Http.json(encodedSlash).path("title").asString()).isEqualTo("Invalid request");
        assertThat(encodedSlash.body()).doesNotContain("Tomcat", "<html");
        // a seed-style query too long for a URL: the answer says so and where long queries go
        var longUrl = Http.localhost(port).get("/analytics/query?query=SELECT%20" + "1%2B".repeat(4000) + "1");
        assertThat(longUrl.statusCode()).isEqualTo(400);
        assertThat(Http.json(longUrl).path("detail").asString())
                .contains("max-http-request-header-size")
                .contains("POST /api/v1/query");

        // refused by Spring Security's firewall (an encoded ;): problem+json too, not Spring Boot's error JSON
        var encodedSemicolon = Http.localhost(port).post("/api/v1/tables/orders%3Bdrop/rows", "{}");
        assertThat(encodedSemicolon.statusCode()).isEqualTo(400);
        assertThat(encodedSemicolon.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(Http.json(encodedSemicolon).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
        assertThat(encodedSemicolon.body()).doesNotContain("\"timestamp\"");
    }
}
