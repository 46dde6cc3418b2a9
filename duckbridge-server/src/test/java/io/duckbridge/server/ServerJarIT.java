package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Starts the packaged server jar as a user would, in its own process with its own environment. */
@Timeout(180)
class ServerJarIT {
    private static final Path JAR = Path.of("target", "duckbridge-server.jar");

    @TempDir
    Path dataDir;

    @Test
    void environmentVariablesReachDuckDbAndASecondProcessIsToldToUseUrl() throws Exception {
        assertThat(JAR).exists();
        int port = freePort();
        Path log = dataDir.resolve("server.log");
        Process server = java(List.of(
                        "-jar",
                        JAR.toString(),
                        "serve", // API.md: java -jar duckbridge-server.jar [serve]; other tests start it without
                        "--server.port=" + port,
                        "--server.address=127.0.0.1",
                        "--duckbridge.demo.enabled=false",
                        "--duckbridge.data-dir=" + dataDir.resolve("data")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            JsonNode health = awaitHealth(port, server, log);
            JsonNode duckdb = health.at("/components/duckdb/details");
            assertThat(duckdb.path("memory_limit").asString()).isEqualTo("953.6 MiB");
            assertThat(duckdb.path("threads").asInt()).isEqualTo(1);
            // the disk watched is the data directory's, not the working directory's
            assertThat(health.at("/components/diskSpace/details/path").asString())
                    .isEqualTo(dataDir.resolve("data").toAbsolutePath().toString());

            Process cli = java(List.of(
                            "-jar",
                            JAR.toString(),
                            "query",
                            "SELECT 1",
                            "--data-dir",
                            dataDir.resolve("data").toString()))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(cli.exitValue()).isEqualTo(1);
            assertThat(output.strip())
                    .startsWith("error: CONFLICT: DuckDB file")
                    .contains("is locked by another process: PID " + server.pid())
                    .contains("--url")
                    .doesNotContain("\tat ");
        } finally {
            server.destroy();
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(log))
                .contains("DuckDB " + dataDir.resolve("data").toAbsolutePath() + "/analytics.duckdb closed")
                // no generated user and password: API keys are the only credentials
                .doesNotContain("generated security password");
    }

    @Test
    void aMistypedCommandIsAUsageErrorInsteadOfStartingTheService() throws Exception {
        Process cli = java(List.of(
                        "-jar",
                        JAR.toString(),
                        "querry",
                        "SELECT 1",
                        "--duckbridge.data-dir=" + dataDir.resolve("data")))
                .redirectErrorStream(true)
                .start();
        String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).isEqualTo(2);
        assertThat(output.strip())
                .startsWith("error: unknown command or argument \"querry\"")
                .contains("query");
        assertThat(dataDir.resolve("data")).doesNotExist();

        Process serve = java(List.of("-jar", JAR.toString(), "serve", "--server.port=1", "stray"))
                .redirectErrorStream(true)
                .start();
        String served = new String(serve.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(serve.exitValue()).isEqualTo(2);
        assertThat(served).contains("unknown command or argument \"stray\"").doesNotContain("\tat ");
    }

    @Test
    void aRefusedStartSaysWhyOnceAndExitsWithoutAStackTrace() throws Exception {
        // no API keys on an address other machines reach: the service refuses to start
        Process serve = java(List.of(
                        "-jar",
                        JAR.toString(),
                        "--server.port=" + freePort(),
                        "--server.address=0.0.0.0",
                        "--duckbridge.demo.enabled=false",
                        "--duckbridge.data-dir=" + dataDir.resolve("data")))
                .redirectErrorStream(true)
                .start();
        String output = new String(serve.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(serve.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(serve.exitValue()).isEqualTo(1);
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("api-keys")
                .doesNotContain("\tat ");
    }

    @Test
    void helpAndVersionAnswerOnEveryCommandWithoutStartingTheService() throws Exception {
        for (List<String> args : List.of(
                List.of("serve", "--help"),
                List.of("--server.port=1", "--duckbridge.data-dir=" + dataDir.resolve("data"), "--help"),
                List.of("query", "-V"),
                List.of("backup", "list", "--version"))) {
            List<String> command = new ArrayList<>(List.of("-jar", JAR.toString()));
            command.addAll(args);
            Process cli = java(command).redirectErrorStream(true).start();
            String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(cli.waitFor(60, TimeUnit.SECONDS)).as(args.toString()).isTrue();
            assertThat(cli.exitValue()).as(args.toString()).isZero();
            if (args.contains("--help")) {
                assertThat(output)
                        .as(args.toString())
                        .contains("Usage: duckbridge serve")
                        .contains("--server.port");
            } else {
                assertThat(output.strip()).as(args.toString()).startsWith("duckbridge ");
            }
        }
        assertThat(dataDir.resolve("data")).doesNotExist();
        assertThat(Path.of("duckbridge-data")).doesNotExist();
    }

    private static ProcessBuilder java(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("DUCKDB_MEMORY_LIMIT", "1GB");
        pb.environment().put("DUCKDB_THREADS", "1");
        return pb;
    }

    private static JsonNode awaitHealth(int port, Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (HttpClient client = HttpClient.newHttpClient()) {
            while (System.nanoTime() < deadline) {
                if (!server.isAlive()) {
                    throw new AssertionError("server exited: " + Files.readString(log));
                }
                try {
                    HttpResponse<String> r = client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return JsonMapper.shared().readTree(r.body());
                    }
                } catch (IOException notYetListening) {
                    // the server is still starting
                }
                TimeUnit.MILLISECONDS.sleep(250);
            }
        }
        throw new AssertionError("server did not become healthy: " + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
