package io.duckbridge.spring.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;

@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
class SecurityStartupIT {
    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--duckbridge.data-dir=" + dataDir;
        all[1] = "--server.port=0";
        all[2] = "--DUCKDB_MEMORY_LIMIT=256MB";
        all[3] = "--DUCKDB_THREADS=1";
        System.arraycopy(args, 0, all, 4, args.length);
        return new SpringApplication(TestApplication.class).run(all);
    }

    private static int port(ConfigurableApplicationContext app) {
        return Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
    }

    @Test
    void refusesToStartWithoutKeysWhenListeningBeyondLoopback() {
        assertThatThrownBy(() -> start("--server.address=0.0.0.0").close())
                .satisfies(e -> assertThat(
                                NestedExceptionUtils.getMostSpecificCause(e).getMessage())
                        .contains("no API keys are configured")
                        .contains("duckbridge.security.api-keys")
                        .contains("server.address=127.0.0.1")
                        .contains("duckbridge.security.enabled=false"));
    }

    @Test
    void disabledSecurityOpensEverythingAndWarnsAtStart(CapturedOutput output) {
        try (var app = start("--server.address=0.0.0.0", "--duckbridge.security.enabled=false")) {
            assertThat(output.getOut()).contains("authentication is DISABLED");
            var response = Http.localhost(port(app)).delete("/api/v1/jobs/nope");
            assertThat(response.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void keysFromAMountedFileAndCorsFromTheExplicitList() throws Exception {
        Path keyFile = dataDir.resolve("keys");
        Files.writeString(
                keyFile,
                "# name sha256 role\n" + "ops " + ApiKeys.sha256Hex("file-admin-key") + " admin\n\n" + "grafana:"
                        + ApiKeys.sha256Hex("file-reader-key") + ":reader\n");
        try (var app = start(
                "--server.address=0.0.0.0",
                "--duckbridge.security.api-keys-file=" + keyFile,
                "--duckbridge.security.cors.allowed-origins=https://dash.example.com")) {
            Http http = Http.localhost(port(app));
            assertThat(http.delete("/api/v1/jobs/nope", "X-API-Key", "file-admin-key")
                            .statusCode())
                    .isEqualTo(404);
            assertThat(http.delete("/api/v1/jobs/nope", "X-API-Key", "file-reader-key")
                            .statusCode())
                    .isEqualTo(403);
            assertThat(http.get("/api/v1/jobs").statusCode()).isEqualTo(401);

            var allowed = preflight(port(app), "https://dash.example.com");
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin"))
                    .hasValue("https://dash.example.com");
            assertThat(allowed.headers().firstValue("Access-Control-Allow-Credentials"))
                    .isEmpty();
            var other = preflight(port(app), "https://evil.example.org");
            assertThat(other.statusCode()).isEqualTo(403);
            assertThat(other.headers().firstValue("Access-Control-Allow-Origin"))
                    .isEmpty();
            assertThat(other.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
            assertThat(other.body())
                    .contains("\"errorClass\":\"PERMISSION\"")
                    .contains("https://evil.example.org")
                    .contains("duckbridge.security.cors.allowed-origins");
            var refusedSimple =
                    http.get("/api/v1/jobs", "Origin", "https://evil.example.org", "X-API-Key", "file-reader-key");
            assertThat(refusedSimple.statusCode()).isEqualTo(403);
            assertThat(refusedSimple.body()).contains("\"errorClass\":\"PERMISSION\"");
            var simple = http.get("/api/v1/jobs", "Origin", "https://dash.example.com", "X-API-Key", "file-reader-key");
            assertThat(simple.statusCode()).isEqualTo(200);
            assertThat(simple.headers().firstValue("Access-Control-Allow-Origin"))
                    .hasValue("https://dash.example.com");
        }
    }

    @Test
    void noOriginIsAllowedByDefault() throws Exception {
        try (var app = start("--server.address=127.0.0.1")) {
            var response = preflight(port(app), "https://dash.example.com");
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin"))
                    .isEmpty();
        }
    }

    @Test
    void aKeyFileWithAnUnknownRoleNamesTheLineOnce() throws Exception {
        java.nio.file.Path keyFile = dataDir.resolve("bad-keys.txt");
        java.nio.file.Files.writeString(keyFile, "ops " + "ab".repeat(32) + " superuser\n");
        assertThatThrownBy(() -> start("--server.address=127.0.0.1", "--duckbridge.security.api-keys-file=" + keyFile)
                        .close())
                .satisfies(e -> {
                    String message =
                            NestedExceptionUtils.getMostSpecificCause(e).getMessage();
                    assertThat(message).contains("line 1").contains("superuser");
                    assertThat(message.indexOf("line 1")).isEqualTo(message.lastIndexOf("line 1"));
                });
    }

    @Test
    void wildcardOriginWithCredentialsIsRefusedAtStartup() {
        assertThatThrownBy(() -> start(
                                "--server.address=127.0.0.1",
                                "--duckbridge.security.cors.allowed-origins=*",
                                "--duckbridge.security.cors.allow-credentials=true")
                        .close())
                .satisfies(e -> assertThat(
                                NestedExceptionUtils.getMostSpecificCause(e).getMessage())
                        .contains("allowed-origins \"*\" together with allow-credentials=true"));
    }

    private static HttpResponse<String> preflight(int port, String origin) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/query"))
                            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                            .header("Origin", origin)
                            .header("Access-Control-Request-Method", "POST")
                            .header("Access-Control-Request-Headers", "authorization,content-type")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }
}
