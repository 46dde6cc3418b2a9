package io.duckbridge.server.cli;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

    /**
     * @param base the server's address; a path ({@code http://proxy/duckbridge/}, with or without the last
     *     slash) is the prefix the API is mounted under behind a reverse proxy
     */
    ServerClient(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    /**
     * {@code path} ({@code /api/v1/...}, with its query) under the base address: {@code URI.resolve} of an
     * absolute path dropped the base's own path, so a server behind a proxy under a prefix was not reached.
     */
    static URI address(URI base, String path) {
        String prefix = base.getRawPath() == null ? "" : base.getRawPath();
        if (!prefix.endsWith("/")) {
            prefix += "/";
        }
        return URI.create(base.getScheme() + "://" + base.getRawAuthority() + prefix
                + (path.startsWith("/") ? path.substring(1) : path));
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

    /**
     * POSTs {@code json} to {@code path} and copies the response body to {@code sink} as it arrives, so a
     * large result is never held in memory; an error response throws as the other methods do, with nothing
     * written. Does not close {@code sink}.
     */
    void postStreaming(String path, Object json, String accept, OutputStream sink) {
        postStreaming(path, json, accept, sink, null);
    }

    /** As {@link #postStreaming(String, Object, String, OutputStream)}, sent with {@code X-Request-Id}. */
    void postStreaming(String path, Object json, String accept, OutputStream sink, String requestId) {
        HttpRequest.Builder builder = request(path);
        if (requestId != null) {
            builder.header("X-Request-Id", requestId);
        }
        HttpResponse<InputStream> response = exchange(
                builder.header("Content-Type", "application/json")
                        .header("Accept", accept)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                JsonMapper.shared().writeValueAsString(json)))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() >= 400) {
                throw failure(
                        response.statusCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8), response.uri());
            }
            body.transferTo(sink);
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.SOURCE_UNAVAILABLE,
                    "the response from the Duckbridge server at " + base + " broke off: " + reason(e),
                    e);
        }
    }

    /**
     * Asks the server to stop the query sent with {@code requestId}, waiting at most two seconds; a failure (the
     * query has ended, the server is gone) is ignored: this runs as the CLI exits.
     */
    void cancelQuietly(String requestId) {
        deleteQuietly("/api/v1/queries/" + requestId);
    }

    /** As {@link #cancelQuietly} for the job {@code jobId} ({@code DELETE /api/v1/jobs/{id}}). */
    void cancelJobQuietly(String jobId) {
        deleteQuietly("/api/v1/jobs/" + jobId);
    }

    private void deleteQuietly(String path) {
        try {
            http.send(
                    request(path).timeout(Duration.ofSeconds(2)).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException | RuntimeException e) {
            // nothing to cancel, or no one to tell
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What went wrong in words: the JDK's HTTP client reports a refused connection or an unknown host as an
     * exception without a message, which printed as a bare class name.
     */
    static String reason(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return "connection refused (is the server running, and are the URL's host and port right?)";
            }
            if (t instanceof java.nio.channels.UnresolvedAddressException
                    || t instanceof java.net.UnknownHostException) {
                return "unknown host (check the URL's host name)";
            }
            if (t instanceof java.net.http.HttpTimeoutException) {
                return "no answer in time (" + t.getMessage() + ")";
            }
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    JsonNode delete(String path) {
        return JsonMapper.shared().readTree(send(request(path).DELETE(), "application/json"));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(address(base, path)).timeout(Duration.ofHours(1));
        if (apiKey != null && !apiKey.isBlank()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private String send(HttpRequest.Builder builder, String accept) {
        HttpResponse<String> response = exchange(
                builder.header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() >= 400) {
            throw failure(response.statusCode(), response.body(), response.uri());
        }
        return response.body();
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.SOURCE_UNAVAILABLE,
                    "cannot reach the Duckbridge server at " + base + ": " + reason(e),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted", e);
        }
    }

    /** The exception for an error response: the problem's class and detail, or the status for a non-problem. */
    private DuckbridgeException failure(int status, String body, URI uri) {
        if (status == 401) {
            // the server's text tells an HTTP client which header to send; a CLI user passes a key instead
            return new DuckbridgeException(
                    ErrorClass.PERMISSION,
                    "the server at " + base + " needs an API key: pass --api-key KEY or set DUCKBRIDGE_API_KEY"
                            + (apiKey == null || apiKey.isBlank() ? "" : " (the key given was refused)"));
        }
        try {
            JsonNode p = JsonMapper.shared().readTree(body);
            return new DuckbridgeException(
                    errorClass(p.path("errorClass").asString("INTERNAL")),
                    p.path("detail").asString("HTTP " + status));
        } catch (RuntimeException notJson) {
            return new DuckbridgeException(
                    status == 403 ? ErrorClass.PERMISSION : ErrorClass.INTERNAL, "HTTP " + status + " from " + uri);
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
