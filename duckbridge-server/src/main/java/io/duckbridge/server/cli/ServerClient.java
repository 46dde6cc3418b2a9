package io.duckbridge.server.cli;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Talks to a running Duckbridge server for the CLI's {@code --url} mode. Problem responses become
 * {@link DuckbridgeException}s with the server's error class and detail. Thread-safe.
 */
final class ServerClient implements AutoCloseable {
    /**
     * {@code value} as one URL path segment: percent-encoded UTF-8, a space as {@code %20} (form encoding's
     * {@code +} is a literal plus in a path, which named another table or backup).
     */
    static String pathSegment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private final URI base;
    private final String apiKey;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    ServerClient(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    /** GET {@code path} as JSON. */
    JsonNode get(String path) {
        return JsonMapper.shared().readTree(send(request(path).GET(), "application/json"));
    }

    /** POST {@code json} (may be null) to {@code path}; returns the body as JSON. */
    JsonNode post(String path, Object json) {
        return JsonMapper.shared().readTree(postRaw(path, json, "application/json"));
    }

    /** POST returning the raw body, for non-JSON formats. */
    String postRaw(String path, Object json, String accept) {
        String body = json == null ? "" : JsonMapper.shared().writeValueAsString(json);
        return send(
                request(path)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                accept);
    }

    JsonNode delete(String path) {
        return JsonMapper.shared().readTree(send(request(path).DELETE(), "application/json"));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofHours(1));
        if (apiKey != null && !apiKey.isBlank()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private String send(HttpRequest.Builder builder, String accept) {
        HttpResponse<String> response;
        try {
            response = http.send(
                    builder.header("Accept", accept).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.SOURCE_UNAVAILABLE, "cannot reach the Duckbridge server at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted", e);
        }
        if (response.statusCode() == 401) {
            // the server's text tells an HTTP client which header to send; a CLI user passes a key instead
            throw new DuckbridgeException(
                    ErrorClass.PERMISSION,
                    "the server at " + base + " needs an API key: pass --api-key KEY or set DUCKBRIDGE_API_KEY"
                            + (apiKey == null || apiKey.isBlank() ? "" : " (the key given was refused)"));
        }
        if (response.statusCode() >= 400) {
            throw problem(response);
        }
        return response.body();
    }

    private static DuckbridgeException problem(HttpResponse<String> response) {
        try {
            JsonNode p = JsonMapper.shared().readTree(response.body());
            return new DuckbridgeException(
                    errorClass(p.path("errorClass").asString("INTERNAL")),
                    p.path("detail").asString("HTTP " + response.statusCode()));
        } catch (RuntimeException notJson) {
            return new DuckbridgeException(
                    response.statusCode() == 401 || response.statusCode() == 403
                            ? ErrorClass.PERMISSION
                            : ErrorClass.INTERNAL,
                    "HTTP " + response.statusCode() + " from " + response.uri());
        }
    }

    static ErrorClass errorClass(String name) {
        try {
            return ErrorClass.valueOf(name);
        } catch (IllegalArgumentException e) {
            return ErrorClass.INTERNAL;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
