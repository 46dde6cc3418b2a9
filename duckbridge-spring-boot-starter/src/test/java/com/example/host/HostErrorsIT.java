package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;

/**
 * An application that embeds the starter, with controllers and a catch-all advice of its own (outside Duckbridge's
 * packages): each side keeps its own error answers.
 */
@Timeout(120)
@SpringBootTest(
        classes = {TestApplication.class, HostErrorsIT.HostController.class, HostErrorsIT.HostAdvice.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"DUCKDB_MEMORY_LIMIT=512MB", "DUCKDB_THREADS=1", "duckbridge.security.enabled=false"})
class HostErrorsIT {
    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    @RestController
    static class HostController {
        @GetMapping("/app/conflict")
        String conflict() {
            throw new ResponseStatusException(HttpStatus.CONFLICT, "the host's own conflict");
        }

        @GetMapping("/app/count")
        int count(@RequestParam int n) {
            return n;
        }

        @GetMapping("/app/boom")
        String boom() {
            throw new IllegalStateException("the host's own failure");
        }
    }

    /** A host's catch-all, as many applications have. */
    @RestControllerAdvice
    static class HostAdvice {
        @ExceptionHandler(IllegalStateException.class)
        ResponseEntity<Map<String, String>> any(IllegalStateException e) {
            return ResponseEntity.status(418).body(Map.of("hostError", e.getMessage()));
        }

        @ExceptionHandler(io.duckbridge.core.error.DuckbridgeException.class)
        ResponseEntity<Map<String, String>> duckbridge(Exception e) {
            return ResponseEntity.status(500)
                    .body(Map.of("hostCatchAll", e.getClass().getSimpleName()));
        }
    }

    @Test
    void theHostsControllersKeepTheirOwnErrorAnswers() {
        Http http = Http.localhost(port);
        var conflict = http.get("/app/conflict");
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.body()).doesNotContain("urn:duckbridge", "errorClass");
        var badParameter = http.get("/app/count?n=abc");
        assertThat(badParameter.statusCode()).isEqualTo(400);
        assertThat(badParameter.body()).doesNotContain("urn:duckbridge", "errorClass");
        var boom = http.get("/app/boom");
        assertThat(boom.statusCode()).isEqualTo(418);
        assertThat(Http.json(boom).path("hostError").asString()).isEqualTo("the host's own failure");
        var unknown = http.get("/app/nothing-here");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).doesNotContain("urn:duckbridge");
    }

    @Test
    void duckbridgesApiKeepsItsProblemsDespiteTheHostsAdvice() {
        Http http = Http.localhost(port);
        var missing = http.get("/api/v1/tables/public.nope");
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
        assertThat(Http.json(missing).path("errorClass").asString()).isEqualTo("NOT_FOUND");
        var unknownPath = http.get("/api/v1/no-such-endpoint");
        assertThat(unknownPath.statusCode()).isEqualTo(404);
        assertThat(Http.json(unknownPath).path("errorClass").asString()).isEqualTo("NOT_FOUND");
        var badMode = http.post("/api/v1/sync/orders?mode=sometimes", null);
        assertThat(badMode.statusCode()).isEqualTo(400);
        assertThat(Http.json(badMode).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
    }
}
