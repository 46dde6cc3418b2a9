package io.duckbridge.server.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.server.DuckbridgeApplication;
import io.duckbridge.spring.query.QueryServlet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /v3/api-docs} lists every endpoint of the HTTP contract that this build serves, each with the
 * problem+json error responses, and Swagger UI answers.
 */
@Timeout(120)
class OpenApiIT {
    /** The endpoints of API.md, as OpenAPI paths. */
    static final List<String> CONTRACT = List.of(
            "POST /api/v1/query",
            "POST /api/v1/query/explain",
            "POST /api/v1/tables/{table}/rows",
            "GET /api/v1/queries/stats",
            "GET /api/v1/queries/recent",
            "GET /api/v1/tables",
            "GET /api/v1/tables/{table}",
            "POST /api/v1/sync/{table}",
            "POST /api/v1/sync",
            "GET /api/v1/cdc",
            "POST /api/v1/cdc/start",
            "POST /api/v1/cdc/stop",
            "GET /api/v1/jobs",
            "GET /api/v1/jobs/{id}",
            "DELETE /api/v1/jobs/{id}",
            "POST /api/v1/exports",
            "POST /api/v1/imports",
            "POST /api/v1/backups",
            "GET /api/v1/backups",
            "GET /api/v1/backups/{id}",
            "POST /api/v1/backups/{id}/validate",
            "POST /api/v1/backups/{id}/restore",
            "DELETE /api/v1/backups/{id}",
            "GET /analytics/query",
            "GET /analytics/health",
            "POST /analytics/sync/{model_name}");

    @TempDir
    Path dataDir;

    @Test
    void apiDocsListEveryServedEndpointWithErrorResponses() throws Exception {
        try (var app = SpringApplication.run(
                DuckbridgeApplication.class,
                "--server.port=0",
                "--duckbridge.demo.enabled=false",
                "--duckbridge.data-dir=" + dataDir,
                "--DUCKDB_MEMORY_LIMIT=256MB",
                "--DUCKDB_THREADS=1")) {
            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
            JsonNode docs =
                    JsonMapper.shared().readTree(get(port, "/v3/api-docs").body());
            assertThat(docs.path("openapi").asString()).startsWith("3.");
            assertThat(docs.at("/components/securitySchemes/apiKey/name").asString())
                    .isEqualTo("X-API-Key");
            assertThat(docs.at("/components/securitySchemes/bearer/scheme").asString())
                    .isEqualTo("bearer");

            Set<String> documented = new TreeSet<>();
            for (var path : docs.path("paths").properties()) {
                for (var op : path.getValue().properties()) {
                    documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                    JsonNode responses = op.getValue().path("responses");
                    assertThat(responses.has("401") && responses.has("403") && responses.has("500"))
                            .as(op.getKey() + " " + path.getKey())
                            .isTrue();
                    assertThat(responses
                                    .at("/503/content/application~1problem+json/examples")
                                    .isObject())
                            .isTrue();
                }
            }

            // every endpoint this build serves is documented
            Set<String> served = new TreeSet<>();
            var mapping = app.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class);
            mapping.getHandlerMethods().forEach((info, method) -> {
                for (String pattern : info.getPatternValues()) {
                    if (pattern.startsWith("/api/") || pattern.startsWith("/analytics/")) {
                        for (var m : info.getMethodsCondition().getMethods()) {
                            served.add(m.name() + " " + pattern);
                        }
                    }
                }
            });
            // and the query endpoint, which has a servlet of its own
            for (ServletRegistrationBean<?> registration :
                    app.getBeansOfType(ServletRegistrationBean.class).values()) {
                if (registration.getServlet() instanceof QueryServlet) {
                    served.add("POST " + QueryServlet.PATH);
                }
            }
            assertThat(served)
                    .contains(
                            "POST /api/v1/query",
                            "GET /api/v1/jobs",
                            "GET /api/v1/jobs/{id}",
                            "DELETE /api/v1/jobs/{id}");
            assertThat(documented).containsAll(served);

            // and every contract endpoint that is served appears in the document (the rest has not shipped yet)
            List<String> servedContract = new ArrayList<>();
            for (String endpoint : CONTRACT) {
                if (served.contains(endpoint)) {
                    servedContract.add(endpoint);
                }
            }
            assertThat(documented).containsAll(servedContract);
            System.out.println("contract endpoints served and documented: " + servedContract.size() + " of "
                    + CONTRACT.size() + " " + servedContract);

            var ui = get(port, "/swagger-ui.html");
            assertThat(ui.statusCode()).isIn(200, 302);
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        try (HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build()) {
            return client.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }
}
