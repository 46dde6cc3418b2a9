package io.duckbridge.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hand-written stand-in for a Duckbridge server, for what the CLI sends and how it reads answers: each
 * {@code METHOD /path} (without the query) answers from a queue of canned responses (the last one repeats), and
 * every request is recorded. Thread-safe.
 */
final class FakeServer implements AutoCloseable {
    record Request(String method, String uri, String body) {}

    record Response(int status, String contentType, String body) {}

    private final HttpServer http;
    private final Map<String, Deque<Response>> answers = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", this::handle);
        http.start();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    FakeServer answer(String methodAndPath, int status, String contentType, String... bodies) {
        Deque<Response> queue = answers.computeIfAbsent(methodAndPath, k -> new ArrayDeque<>());
        for (String body : bodies) {
            queue.add(new Response(status, contentType, body));
        }
        return this;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Request(
                exchange.getRequestMethod(), exchange.getRequestURI().toString(), body));
        Deque<Response> queue = answers.get(
                exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
        Response response;
        synchronized (this) {
            response = queue == null || queue.isEmpty()
                    ? new Response(
                            404, "application/problem+json", "{\"errorClass\":\"NOT_FOUND\",\"detail\":\"fake\"}")
                    : queue.size() > 1 ? queue.poll() : queue.peek();
        }
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
