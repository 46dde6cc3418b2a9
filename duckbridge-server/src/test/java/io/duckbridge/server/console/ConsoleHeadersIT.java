package io.duckbridge.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.server.DuckbridgeApplication;
import io.duckbridge.spring.security.DuckbridgeSecurityAutoConfiguration;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The console's pages carry a strict Content-Security-Policy and no referrer, its files need nothing the
 * policy forbids, it has a favicon, and Swagger UI (which needs inline code) still loads without the policy.
 * Plain HTTP, no browser: {@link ConsoleIT} runs the console itself under the policy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ConsoleHeadersIT {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    ConfigurableApplicationContext app;
    HttpClient client;
    String base;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        app = SpringApplication.run(
                DuckbridgeApplication.class,
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--duckbridge.demo.enabled=false",
                "--duckbridge.data-dir=" + dataDir,
                "--duckbridge.security.api-keys[0].name=ops",
                "--duckbridge.security.api-keys[0].sha256=" + "0".repeat(64),
                "--duckbridge.security.api-keys[0].role=admin",
                "--DUCKDB_MEMORY_LIMIT=256MB",
                "--DUCKDB_THREADS=1");
        base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
        client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        if (app != null) {
            app.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void consolePagesCarryAStrictContentSecurityPolicyAndNoReferrer() throws Exception {
        assertThat(DuckbridgeSecurityAutoConfiguration.CONSOLE_CSP).isEqualTo(CSP);
        for (String path : List.of("/", "/index.html", "/console/app.js", "/console/console.css")) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.headers().allValues("Content-Security-Policy"))
                    .as(path)
                    .containsExactly(CSP);
            assertThat(response.headers().firstValue("Referrer-Policy"))
                    .as(path)
                    .hasValue("no-referrer");
            assertThat(response.headers().firstValue("X-Frame-Options"))
                    .as(path)
                    .hasValue("DENY");
            assertThat(response.headers().firstValue("X-Content-Type-Options"))
                    .as(path)
                    .hasValue("nosniff");
        }
    }

    @Test
    void swaggerUiStillLoadsWithoutTheConsolePolicy() throws Exception {
        HttpResponse<String> page = get("/swagger-ui.html");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri().getPath()).startsWith("/swagger-ui/");
        assertThat(page.body()).containsIgnoringCase("swagger-ui");
        assertThat(page.headers().firstValue("Content-Security-Policy")).isEmpty();
        assertThat(get("/swagger-ui/swagger-initializer.js").statusCode()).isEqualTo(200);
    }

    @Test
    void servesAFaviconInsteadOfA404() throws Exception {
        assertThat(get("/").body()).contains("<link rel=\"icon\" href=\"console/favicon.svg\" type=\"image/svg+xml\">");
        HttpResponse<String> icon = get("/console/favicon.svg");
        assertThat(icon.statusCode()).isEqualTo(200);
        assertThat(icon.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("image/svg+xml"));
    }

    /**
     * The policy allows no inline script, no {@code <style>} element and no style attribute (a style set
     * through the CSSOM, {@code node.style.width = ...}, is allowed); ConsoleIT checks the rest in a browser.
     */
    @Test
    void consoleFilesUseNothingThePolicyBlocks() throws Exception {
        String index = resource("static/index.html");
        assertThat(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>")
                        .matcher(index)
                        .find())
                .as("inline script in index.html")
                .isFalse();
        assertThat(index)
                .doesNotContain("<style")
                .doesNotContainPattern("\\sstyle=")
                .doesNotContainPattern("\\son[a-z]+=");
        for (String file :
                List.of("api.js", "app.js", "catalog.js", "charts.js", "grid.js", "operations.js", "query.js")) {
            String js = resource("static/console/" + file);
            assertThat(js)
                    .as(file)
                    .doesNotContainPattern("\\bstyle\\s*:")
                    .doesNotContainPattern("setAttribute\\(\\s*['\"]style")
                    .doesNotContainPattern("style=")
                    .doesNotContain("eval(")
                    .doesNotContain("new Function");
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ConsoleHeadersIT.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
