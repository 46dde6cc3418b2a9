package io.duckbridge.spring.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A query that needs more memory than DuckDB's limit answers 503 OUT_OF_MEMORY with {@code Retry-After},
 * in every result format, and the service answers the next query normally. Other errors DuckDB raises
 * before the first row keep their own class.
 */
@Timeout(180)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"DUCKDB_MEMORY_LIMIT=64MB", "DUCKDB_THREADS=2"})
class OutOfMemoryQueryIT {
    /** One aggregate value of ~200 MB: DuckDB cannot spill a single value to disk. */
    static final String HUGE = "SELECT length(string_agg(repeat('x', 1000), ',')) AS n FROM range(200000)";

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    @Test
    void anOutOfMemoryQueryAnswers503AndTheNextQuerySucceeds() {
        Http http = Http.localhost(port);
        for (String format : new String[] {"application/json", "text/csv", "application/vnd.apache.arrow.stream"}) {
            HttpResponse<String> failed = http.post("/api/v1/query", "{\"sql\":\"" + HUGE + "\"}", "Accept", format);
            assertThat(failed.statusCode()).as(format).isEqualTo(503);
            assertThat(failed.headers().firstValue("Retry-After")).as(format).isPresent();
            JsonNode problem = Http.json(failed);
            assertThat(problem.path("errorClass").asString()).as(format).isEqualTo("OUT_OF_MEMORY");
            assertThat(problem.path("detail").asString()).as(format).containsIgnoringCase("memory");

            HttpResponse<String> next = http.post("/api/v1/query", "{\"sql\":\"SELECT 41 + 1 AS answer\"}");
            assertThat(next.statusCode()).as(format).isEqualTo(200);
            assertThat(Http.json(next).path("rows").get(0).get(0).asInt()).isEqualTo(42);
        }
    }

    @Test
    void aConversionErrorBeforeTheFirstRowKeepsItsClass() {
        HttpResponse<String> failed = Http.localhost(port)
                .post(
                        "/api/v1/query",
                        "{\"sql\":\"SELECT CAST(CASE WHEN i > 5000 THEN 'x' ELSE '1' END AS INT) AS v"
                                + " FROM range(10000) t(i)\"}");
        assertThat(failed.statusCode()).isEqualTo(400);
        assertThat(Http.json(failed).path("errorClass").asString()).isEqualTo("CONVERSION");
        assertThat(Http.json(failed).path("detail").asString()).contains("'x'");
    }
}
