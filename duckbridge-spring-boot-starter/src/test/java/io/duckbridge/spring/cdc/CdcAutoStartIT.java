package io.duckbridge.spring.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.cdc.CdcSettings;
import io.duckbridge.core.sync.cdc.CdcState;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import io.duckbridge.testing.TestingPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enabled CDC whose PostgreSQL is down when the service starts begins streaming once PostgreSQL is back (found by
 * an acceptance tester: it stayed STOPPED for good, and its metrics looked like CDC switched off).
 */
@Timeout(120)
class CdcAutoStartIT {
    @TempDir
    Path dir;

    @Test
    void anEnabledStreamThatCouldNotReachPostgresAtStartStartsWhenItIsBack() throws Exception {
        try (TestingPostgres postgres = TestingPostgres.start()) {
            postgres.execute("CREATE TABLE autostart_orders (id bigint PRIMARY KEY, item text)");
            URI real = URI.create(postgres.jdbcUrl().substring("jdbc:".length()));
            int gatePort;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                gatePort = probe.getLocalPort(); // nothing listens there until the gate opens: refused
            }
            PostgresSource gated = new PostgresSource(
                    "jdbc:postgresql://127.0.0.1:" + gatePort + real.getRawPath()
                            + (real.getRawQuery() == null ? "" : "?" + real.getRawQuery()),
                    postgres.username(),
                    postgres.password());
            CdcSettings settings = CdcSettings.defaults()
                    .withSlotName("autostart")
                    .withPublicationName("autostart")
                    .withTables(List.of("public.autostart_orders"));
            try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(
                            dir.resolve("analytics.duckdb").toString()));
                    ChangeCapture cdc = new ChangeCapture(engine, gated, settings)) {
                CdcAutoStart autoStart = new CdcAutoStart(cdc, true, Duration.ofMillis(300));
                autoStart.start();
                assertThat(cdc.status().state()).isEqualTo(CdcState.STOPPED);
                assertThat(cdc.startRefusal()).isNotNull();

                Gate gate = Gate.open(gatePort, real.getPort());
                try {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (cdc.status().state() != CdcState.STREAMING && System.nanoTime() < deadline) {
                        Thread.sleep(100); // polling the stream's state with a deadline
                    }
                    assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
                    assertThat(cdc.startRefusal()).isNull();
                    autoStart.stop();
                    assertThat(cdc.status().state()).isEqualTo(CdcState.STOPPED);
                } finally {
                    gate.close();
                }
            }
        }
    }

    /** Forwards connections from {@code port} to PostgreSQL's. */
    private record Gate(ServerSocket server) implements AutoCloseable {
        static Gate open(int port, int target) throws IOException {
            ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                        pipe(client.getInputStream(), upstream.getOutputStream(), upstream);
                        pipe(upstream.getInputStream(), client.getOutputStream(), client);
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            return new Gate(server);
        }

        private static void pipe(InputStream in, OutputStream out, Socket closeWhenDone) {
            Thread.ofPlatform().daemon().start(() -> {
                try (in;
                        out) {
                    in.transferTo(out);
                } catch (IOException ended) {
                    // one side closed
                } finally {
                    try {
                        closeWhenDone.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            });
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
