package io.duckbridge.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=512MB",
            "DUCKDB_THREADS=1",
            "management.endpoints.web.exposure.include=health,prometheus",
            "logging.structured.format.console=ecs",
            "logging.level.org.springframework.web.servlet.DispatcherServlet=DEBUG"
        })
class ObservabilityIT {
    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    @Test
    void prometheusShowsTheEngineGauges() {
        var response = Http.localhost(port).get("/actuator/prometheus");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("duckbridge_engine_readers_active ")
                .contains("duckbridge_engine_readers_waiting ")
                .contains("duckbridge_engine_readers_max ")
                .contains("duckbridge_engine_writer_queue ")
                .contains("duckbridge_engine_memory_used_bytes ")
                .contains("duckbridge_engine_memory_limit_bytes 5.12E8")
                .contains("duckbridge_engine_database_size_bytes ")
                .contains("duckbridge_engine_temp_size_bytes ")
                .contains("duckbridge_engine_up 1.0")
                .contains("duckbridge_engine_out_of_memory_total ")
                .contains("resilience4j_bulkhead_available_concurrent_calls{name=\"query\"}")
                .contains("resilience4j_bulkhead_max_allowed_concurrent_calls{name=\"query\"}");
        String readersMax = Arrays.stream(response.body().split("\n"))
                .filter(l -> l.startsWith("duckbridge_engine_readers_max "))
                .findFirst()
                .orElseThrow();
        assertThat(Double.parseDouble(readersMax.split(" ")[1])).isGreaterThanOrEqualTo(1);
    }

    @Test
    void problemResponsesAreCountedByErrorClass() {
        double before = errors("NOT_FOUND");
        assertThat(Http.localhost(port).get("/api/v1/jobs/nope").statusCode()).isEqualTo(404);
        assertThat(errors("NOT_FOUND")).isEqualTo(before + 1);

        // Spring MVC's own refusals are problems of a class too, with a type, and counted
        var unknownPath = Http.localhost(port).get("/api/v1/no-such-endpoint");
        assertThat(unknownPath.statusCode()).isEqualTo(404);
        assertThat(Http.json(unknownPath).path("type").asString()).isEqualTo("urn:duckbridge:problem:not_found");
        assertThat(errors("NOT_FOUND")).isEqualTo(before + 2);
        double invalid = errors("INVALID_REQUEST");
        var badJson = Http.localhost(port).post("/api/v1/exports", "{not json");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(Http.json(badJson).path("type").asString()).isEqualTo("urn:duckbridge:problem:invalid_request");
        assertThat(errors("INVALID_REQUEST")).isEqualTo(invalid + 1);
    }

    @Test
    void everyLogLineOfARequestIsJsonWithItsRequestId(CapturedOutput output) {
        var response = Http.localhost(port).get("/api/v1/jobs", "X-Request-Id", "test-request-4711");
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("test-request-4711");
        var generated = Http.localhost(port).get("/api/v1/jobs", "X-Request-Id", "bad id with spaces");
        assertThat(generated.headers().firstValue("X-Request-Id"))
                .hasValueSatisfying(v -> assertThat(v).matches("[0-9a-f-]{36}"));

        var lines = Arrays.stream(output.getOut().split("\n"))
                .filter(l -> l.contains("test-request-4711"))
                .toList();
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            var json = JsonMapper.shared().readTree(line);
            assertThat(json.path("requestId").asString()).isEqualTo("test-request-4711");
            assertThat(json.path("message").asString()).isNotBlank();
        }
    }

    @Test
    void aClientLeavingMidResultIsNotAServerError(CapturedOutput output) throws Exception {
        byte[] body = "{\"sql\": \"SELECT range, md5(range::VARCHAR) FROM range(3000000)\"}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var socket = new java.net.Socket("127.0.0.1", port)) {
            var out = socket.getOutputStream();
            out.write(("POST /api/v1/query HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Accept: text/csv\r\nX-Request-Id: test-request-4713\r\nContent-Length: "
                            + body.length + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            assertThat(socket.getInputStream().readNBytes(64 * 1024)).hasSize(64 * 1024);
        } // closed mid-result
        // the server notices when it next writes and ends the query, which then shows in the query records
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline
                && !Http.localhost(port).get("/api/v1/queries/recent").body().contains("md5(range")) {
            Thread.sleep(100);
        }
        Thread.sleep(200); // the request's own logging ends after its record
        var lines = Arrays.stream(output.getOut().split("\n"))
                .filter(l -> l.contains("test-request-4713"))
                .toList();
        assertThat(lines).noneMatch(l -> l.contains("\"level\":\"ERROR\""));
    }

    @Test
    void aFailedQueryIsLoggedWithItsRequestAndQueryIds(CapturedOutput output) {
        var response = Http.localhost(port)
                .post(
                        "/api/v1/query",
                        "{\"sql\":\"SELECT no_such_column FROM range(3) WHERE 'secret-literal' = ''\"}",
                        "X-Request-Id",
                        "test-request-4712");
        assertThat(response.statusCode()).isEqualTo(400);

        var lines = Arrays.stream(output.getOut().split("\n"))
                .filter(l -> l.contains("test-request-4712"))
                .map(l -> JsonMapper.shared().readTree(l))
                .filter(j -> j.path("message").asString().contains("failed with BINDER"))
                .toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst().path("queryId").asString()).matches("[0-9a-f-]{36}");
        assertThat(lines.getFirst().path("message").asString())
                .contains(lines.getFirst().path("queryId").asString())
                .contains("no_such_column")
                .doesNotContain("secret-literal");
    }

    private double errors(String errorClass) {
        String body = Http.localhost(port).get("/actuator/prometheus").body();
        return Arrays.stream(body.split("\n"))
                .filter(l ->
                        l.startsWith("duckbridge_errors_total{") && l.contains("errorClass=\"" + errorClass + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(0);
    }
}
