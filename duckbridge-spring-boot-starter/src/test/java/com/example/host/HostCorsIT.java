package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.ServiceFixtures;
import io.duckbridge.spring.TestApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * An application that embeds the starter with API keys on and no security chain of its own, and CORS mappings of
 * its own: its browser front-end keeps working, and Duckbridge's API keeps its own origin list.
 */
@Timeout(120)
@SpringBootTest(
        classes = {TestApplication.class, HostCorsIT.HostController.class, HostCorsIT.HostCors.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=512MB",
            "DUCKDB_THREADS=1",
            "server.address=127.0.0.1",
            "duckbridge.security.cors.allowed-origins=https://dash.example"
        })
class HostCorsIT {
    static final String ADMIN_KEY = "host-cors-admin-key-1";

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
        ServiceFixtures.apiKeys(registry, "host-cors-reader-key-1", ADMIN_KEY);
    }

    @RestController
    static class HostController {
        @GetMapping("/app/items")
        String items() {
            return "[]";
        }
    }

    @Configuration
    static class HostCors {
        @Bean
        WebMvcConfigurer hostCorsMappings() {
            return new WebMvcConfigurer() {
                @Override
                public void addCorsMappings(CorsRegistry registry) {
                    registry.addMapping("/app/**")
                            .allowedOrigins("https://host.example")
                            .allowedMethods("GET", "POST");
                }
            };
        }
    }

    private HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .method(method, HttpRequest.BodyPublishers.noBody())
                            .headers(headers)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void theHostsCorsMappingsDecideItsPathsAndDuckbridgesItsApi() throws Exception {
        var preflight = send(
                "OPTIONS", "/app/items", "Origin", "https://host.example", "Access-Control-Request-Method", "POST");
        assertThat(preflight.statusCode()).as(preflight.body()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue("https://host.example");

        var get = send("GET", "/app/items", "Origin", "https://host.example", "X-API-Key", ADMIN_KEY);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://host.example");

        // Duckbridge's API answers only the origins Duckbridge was given
        var api = send("GET", "/api/v1/jobs", "Origin", "https://host.example", "X-API-Key", ADMIN_KEY);
        assertThat(api.statusCode()).isEqualTo(403);
        var allowed = send("GET", "/api/v1/jobs", "Origin", "https://dash.example", "X-API-Key", ADMIN_KEY);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(Http.json(allowed).isArray()).isTrue();
    }
}
