package io.duckbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A source that accepts connections and never answers (a hung server, a full backlog behind a proxy): the open
 * health endpoint answers within a probe's patience, and callers share one check instead of each opening a
 * connection on the source (found by an acceptance tester: 30-63 s per call, and two connections per call).
 */
@Timeout(120)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "duckbridge.postgres.username=nobody",
            "management.endpoints.web.exposure.include=health",
            "management.endpoint.health.show-details=always",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.group.readiness.include=readinessState,duckdb"
        })
class PostgresSilentIT {
    @TempDir
    static Path dataDir;

    static final ServerSocket SILENT = silentServer();
    static final AtomicInteger ACCEPTED = new AtomicInteger();
    static final List<Socket> HELD = new CopyOnWriteArrayList<>();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
        registry.add(
                "duckbridge.postgres.url",
                () -> "jdbc:postgresql://127.0.0.1:" + SILENT.getLocalPort() + "/shop?sslmode=disable");
    }

    private static ServerSocket silentServer() {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        HELD.add(server.accept()); // accepted, never answered
                        ACCEPTED.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void close() throws IOException {
        SILENT.close();
        for (Socket s : HELD) {
            s.close();
        }
    }

    @Test
    void theOpenHealthEndpointAnswersWithinAProbesPatienceAndSharesOneCheck() {
        int before = ACCEPTED.get();
        long started = System.nanoTime();
        var health = Http.json(Http.localhost(port).get("/actuator/health"));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(health.at("/components/postgres/status").asString()).isEqualTo("DOWN");
        // the postgres and the cdc checks, one attempt each with a 3 s login timeout
        assertThat(tookMs).isLessThan(9_000);
        assertThat(ACCEPTED.get() - before)
                .as("connections the first call opened")
                .isBetween(1, 2);

        int afterFirst = ACCEPTED.get();
        for (int i = 0; i < 20; i++) {
            var again = Http.json(Http.localhost(port).get("/actuator/health"));
            assertThat(again.at("/components/postgres/status").asString()).isEqualTo("DOWN");
        }
        assertThat(ACCEPTED.get() - afterFirst)
                .as("connections 20 more calls opened")
                .isZero();
        assertThat(Http.localhost(port).get("/actuator/health/readiness").statusCode())
                .isEqualTo(200);
    }
}
