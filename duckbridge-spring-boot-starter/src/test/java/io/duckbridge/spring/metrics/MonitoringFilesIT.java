package io.duckbridge.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import io.duckbridge.testing.TestingPostgres;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shipped Grafana dashboard and Prometheus rules parse, and every metric they use is exported by a running
 * server (with a source PostgreSQL) after it has served requests. A metric owned by a feature whose endpoint is
 * not in this build yet is only required once that endpoint answers.
 */
@Timeout(180)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=512MB",
            "DUCKDB_THREADS=1",
            "management.endpoints.web.exposure.include=health,prometheus"
        })
class MonitoringFilesIT {
    static final Path MONITORING =
            Path.of("..", "deploy", "monitoring").toAbsolutePath().normalize();
    static final Pattern METRIC =
            Pattern.compile("\\b((?:duckbridge|resilience4j|jvm|http_server|process)_[a-z0-9_]+)\\b");
    /** Metrics of features that ship separately, with the request that proves the feature is present. */
    static final Map<String, String[]> OWNED_BY_FEATURE = Map.of(
            "duckbridge_backup_age_seconds", new String[] {"GET", "/api/v1/backups"},
            "duckbridge_query_duration_seconds_bucket", new String[] {"POST", "/api/v1/query"},
            "duckbridge_query_duration_seconds_count", new String[] {"POST", "/api/v1/query"},
            "duckbridge_query_rows_total", new String[] {"POST", "/api/v1/query"},
            "duckbridge_query_bytes_total", new String[] {"POST", "/api/v1/query"});

    static final TestingPostgres postgres = TestingPostgres.start();

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
        registry.add("duckbridge.postgres.url", postgres::jdbcUrl);
        registry.add("duckbridge.postgres.username", postgres::username);
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void everyMetricInTheDashboardAndAlertRulesIsExported() throws IOException {
        Set<String> used = new TreeSet<>();
        used.addAll(dashboardMetrics());
        used.addAll(ruleMetrics());
        assertThat(used)
                .contains(
                        "duckbridge_cdc_lag_seconds",
                        "duckbridge_engine_memory_used_bytes",
                        "resilience4j_circuitbreaker_state",
                        "http_server_requests_seconds_count");

        Http http = Http.localhost(port);
        // traffic: a success, a client error and whatever query, sync and backup endpoints this build has
        http.get("/api/v1/jobs");
        http.get("/api/v1/jobs/no-such-job");
        http.post("/api/v1/query", "{\"sql\":\"SELECT 42\"}");
        http.post("/api/v1/backups", "{}");
        Set<String> exported = exported(http.get("/actuator/prometheus").body());

        List<String> missing = new ArrayList<>();
        for (String metric : used) {
            String[] feature = OWNED_BY_FEATURE.get(metric);
            boolean required = feature == null
                    || (feature[0].equals("GET")
                                            ? http.get(feature[1])
                                            : http.post(feature[1], "{\"sql\":\"SELECT 1\"}"))
                                    .statusCode()
                            != 404;
            if (required && !exported.contains(metric)) {
                missing.add(metric);
            }
        }
        assertThat(missing)
                .as("metrics used by deploy/monitoring but not exported")
                .isEmpty();
    }

    @Test
    void alertRulesCoverCdcLagStaleBackupErrorRateMemoryAndOpenBreakers() throws IOException {
        Map<String, String> alerts = new java.util.HashMap<>();
        for (Map<String, Object> rule : rules()) {
            assertThat(rule).containsKeys("alert", "expr", "labels", "annotations");
            alerts.put(String.valueOf(rule.get("alert")), String.valueOf(rule.get("expr")));
        }
        assertThat(alerts.get("DuckbridgeCdcLagHigh")).contains("duckbridge_cdc_lag_seconds");
        assertThat(alerts.get("DuckbridgeBackupStale")).contains("backup");
        assertThat(alerts.get("DuckbridgeErrorRateHigh")).contains("status=~\"5..\"");
        assertThat(alerts.get("DuckbridgeDuckDbMemoryNearLimit")).contains("duckbridge_engine_memory_limit_bytes");
        assertThat(alerts.get("DuckbridgeCircuitBreakerOpen")).contains("state=\"open\"");
    }

    private static Set<String> exported(String prometheus) {
        return Arrays.stream(prometheus.split("\n"))
                .filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0])
                .collect(Collectors.toSet());
    }

    private static Set<String> dashboardMetrics() throws IOException {
        JsonNode dashboard =
                JsonMapper.shared().readTree(Files.readString(MONITORING.resolve("grafana-dashboard.json")));
        assertThat(dashboard.path("title").asString()).isEqualTo("Duckbridge");
        Set<String> metrics = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("targets").size())
                    .as(panel.path("title").asString())
                    .isPositive();
            for (JsonNode target : panel.path("targets")) {
                metrics.addAll(metricsIn(target.path("expr").asString()));
            }
        }
        return metrics;
    }

    private static List<Map<String, Object>> rules() throws IOException {
        try (Reader reader = Files.newBufferedReader(MONITORING.resolve("prometheus-rules.yml"))) {
            Map<String, Object> doc = new Yaml().load(reader);
            List<Map<String, Object>> rules = new ArrayList<>();
            for (Object group : (List<?>) doc.get("groups")) {
                for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> r = (Map<String, Object>) rule;
                    rules.add(r);
                }
            }
            return rules;
        }
    }

    private static Set<String> ruleMetrics() throws IOException {
        Set<String> metrics = new TreeSet<>();
        for (Map<String, Object> rule : rules()) {
            metrics.addAll(metricsIn(String.valueOf(rule.get("expr"))));
        }
        return metrics;
    }

    private static Set<String> metricsIn(String expr) {
        Set<String> metrics = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            metrics.add(m.group(1));
        }
        return metrics;
    }
}
