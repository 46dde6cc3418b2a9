package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter inside an application that has its own security chain, users, controllers and error statuses:
 * Duckbridge's API keeps its API keys and roles, and the application keeps its login, its statuses and its
 * request sizes; its Jackson naming strategy does not rename the fields of Duckbridge's API.
 */
@Timeout(120)
@SpringBootTest(
        classes = HostApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "server.address=0.0.0.0",
            "DUCKDB_MEMORY_LIMIT=512MB",
            "DUCKDB_THREADS=1",
            // the application's own JSON style, which must not rename Duckbridge's fields
            "spring.jackson.property-naming-strategy=SNAKE_CASE"
        })
class EmbeddedStarterIT {
    static final String READER_KEY = "reader-key-5d0c7e2a91";
    static final String ADMIN_KEY = "admin-key-b83f16e4c0";
    static final String ALICE =
            "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
        io.duckbridge.spring.ServiceFixtures.apiKeys(registry, READER_KEY, ADMIN_KEY);
    }

    private HttpResponse<String> send(String method, String path, String auth, String contentType, byte[] body)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (auth != null) {
            request.header("Authorization", auth);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> query(String auth) throws Exception {
        return send("POST", "/api/v1/query", auth, "application/json", "{\"sql\":\"SELECT 42 AS answer\"}".getBytes());
    }

    @Test
    void duckbridgesApiKeepsItsKeysAndRolesBesideTheApplicationsOwnChain() throws Exception {
        assertThat(query(null).statusCode()).isEqualTo(401);
        assertThat(query("Bearer wrong-key").statusCode()).isEqualTo(401);
        assertThat(query(ALICE).statusCode())
                .as("the application's users are not Duckbridge's keys")
                .isEqualTo(401);
        var answered = query("Bearer " + READER_KEY);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.body()).contains("[[42]]");

        // admin endpoints: a reader is refused, no key is refused; nothing ran
        assertThat(send("POST", "/api/v1/backups?wait=true", null, null, null).statusCode())
                .isEqualTo(401);
        var asReader = send("POST", "/api/v1/backups?wait=true", "Bearer " + READER_KEY, null, null);
        assertThat(asReader.statusCode()).isEqualTo(403);
        assertThat(asReader.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(send("GET", "/api/v1/backups", "Bearer " + READER_KEY, null, null)
                        .body())
                .doesNotContain("\"id\"");

        var me = send("GET", "/api/v1/auth/me", "Bearer " + READER_KEY, null, null);
        assertThat(me.body()).contains("\"role\":\"reader\"").contains("\"authenticated\":true");
    }

    @Test
    void duckbridgesJsonFieldsStayCamelCaseUnderTheApplicationsNamingStrategy() throws Exception {
        String admin = "Bearer " + ADMIN_KEY;
        var export = send(
                "POST",
                "/api/v1/exports?wait=true",
                admin,
                "application/json",
                ("{\"sql\":\"SELECT range AS id, range % 2 AS part FROM range(10)\",\"target\":\"file:parts\","
                                + "\"partitionBy\":[\"part\"],\"mode\":\"overwrite\"}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
        try (var files = java.nio.file.Files.walk(dataDir.resolve("exports"))) {
            assertThat(files.map(Path::toString).filter(f -> f.contains("part=1")))
                    .as("partitionBy was read")
                    .isNotEmpty();
        }
        query("Bearer " + READER_KEY);
        var stats = send("GET", "/api/v1/queries/stats", "Bearer " + READER_KEY, null, null);
        assertThat(stats.body())
                .contains("\"totalQueries\"")
                .contains("\"p95DurationMs\"")
                .doesNotContain("total_queries");
    }

    @Test
    void theApplicationsOwnLoginStatusesAndUploadsWorkAsWithoutDuckbridge() throws Exception {
        assertThat(send("GET", "/app/hello", null, null, null).statusCode()).isEqualTo(401);
        var hello = send("GET", "/app/hello", ALICE, null, null);
        assertThat(hello.statusCode())
                .as("the application's username/password login")
                .isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello");

        // the application's @ResponseStatus, not Duckbridge's 500
        assertThat(send("GET", "/app/items/9", ALICE, null, null).statusCode()).isEqualTo(404);

        // Duckbridge's body limit is for its own API
        var upload = send("POST", "/app/upload", ALICE, "application/octet-stream", new byte[3 << 20]);
        assertThat(upload.statusCode()).isEqualTo(200);
        assertThat(upload.body()).contains("3145728");
    }
}
