package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ctrl-C on {@code duckbridge query --url} (and on a command that follows a job, such as {@code export --url}): the
 * packaged CLI, in its own process, asks the server to cancel the query it sent (by the request id it sent it
 * with), or the job it follows, before it exits. The server is a stand-in that holds the query or keeps the job
 * running until the cancel arrives.
 */
@Timeout(120)
class QueryInterruptIT {
    private static final Path JAR = Path.of("target", "duckbridge-server.jar");

    @Test
    void ctrlCCancelsTheQueryOnTheServer() throws Exception {
        AtomicReference<String> sentWith = new AtomicReference<>();
        AtomicReference<String> cancelled = new AtomicReference<>();
        CountDownLatch querying = new CountDownLatch(1);
        CountDownLatch cancel = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/api/v1/query", exchange -> {
            exchange.getRequestBody().readAllBytes();
            sentWith.set(exchange.getRequestHeaders().getFirst("X-Request-Id"));
            querying.countDown();
            try {
                cancel.await(60, TimeUnit.SECONDS); // a long query, until someone cancels it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"errorClass\":\"CANCELLED\",\"detail\":\"the query was cancelled\"}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
            exchange.sendResponseHeaders(499, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/api/v1/queries/", exchange -> {
            if (exchange.getRequestMethod().equals("DELETE")) {
                cancelled.set(exchange.getRequestURI().getPath().substring("/api/v1/queries/".length()));
                cancel.countDown();
            }
            byte[] body = "{\"cancelled\":1}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        Process cli = null;
        try {
            cli = new ProcessBuilder(List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-jar",
                            JAR.toString(),
                            "query",
                            "SELECT sum(hash(i)) FROM range(1000000000000) t(i)",
                            "--url",
                            "http://127.0.0.1:" + server.getAddress().getPort()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertThat(querying.await(60, TimeUnit.SECONDS))
                    .as("the CLI sent its query")
                    .isTrue();
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(cli.pid())).start();
            assertThat(kill.waitFor()).isZero();

            assertThat(cancel.await(20, TimeUnit.SECONDS))
                    .as("the CLI asked to cancel")
                    .isTrue();
            assertThat(sentWith.get()).startsWith("cli-");
            assertThat(cancelled.get()).isEqualTo(sentWith.get());
            assertThat(cli.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(cli.exitValue()).isEqualTo(130);
        } finally {
            if (cli != null) {
                cli.destroyForcibly();
            }
            server.stop(0);
        }
    }

    @Test
    void ctrlCOnAJobCancelsTheJobOnTheServer() throws Exception {
        AtomicReference<String> cancelled = new AtomicReference<>();
        CountDownLatch following = new CountDownLatch(1);
        CountDownLatch cancel = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/api/v1/exports", exchange -> {
            exchange.getRequestBody().readAllBytes();
            respond(exchange, 202, "{\"jobId\":\"job-1\",\"status\":\"queued\"}");
        });
        server.createContext("/api/v1/jobs/", exchange -> {
            if (exchange.getRequestMethod().equals("DELETE")) {
                cancelled.set(exchange.getRequestURI().getPath().substring("/api/v1/jobs/".length()));
                cancel.countDown();
                respond(exchange, 200, "{\"id\":\"job-1\",\"kind\":\"export\",\"status\":\"cancelled\"}");
                return;
            }
            following.countDown();
            // a long export, still running whenever the CLI looks
            respond(
                    exchange,
                    200,
                    "{\"id\":\"job-1\",\"kind\":\"export\",\"status\":\"running\","
                            + "\"progress\":{\"done\":1,\"total\":100,\"unit\":\"percent\"}}");
        });
        server.start();
        Process cli = null;
        try {
            cli = new ProcessBuilder(List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-jar",
                            JAR.toString(),
                            "export",
                            "--table",
                            "orders",
                            "--target",
                            "file:orders",
                            "--url",
                            "http://127.0.0.1:" + server.getAddress().getPort()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertThat(following.await(60, TimeUnit.SECONDS))
                    .as("the CLI follows its job")
                    .isTrue();
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(cli.pid())).start();
            assertThat(kill.waitFor()).isZero();

            assertThat(cancel.await(20, TimeUnit.SECONDS))
                    .as("the CLI asked to cancel the job")
                    .isTrue();
            assertThat(cancelled.get()).isEqualTo("job-1");
            assertThat(cli.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(cli.exitValue()).isEqualTo(130);
        } finally {
            if (cli != null) {
                cli.destroyForcibly();
            }
            server.stop(0);
        }
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String json)
            throws java.io.IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}
