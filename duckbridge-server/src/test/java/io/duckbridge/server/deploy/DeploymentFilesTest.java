package io.duckbridge.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DataSizes;
import io.duckbridge.spring.security.DuckbridgeSecurityProperties;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * There is no container engine here, so the deployment files are checked by reading them: the properties that
 * make them safe (one writer, non-root, probes on the real health groups, memory that fits) and that their
 * environment variables bind to the settings they mean.
 */
class DeploymentFilesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** What the JVM needs beyond heap and DuckDB: metaspace, thread stacks, direct buffers, code cache. */
    static final long NATIVE_RESERVE = 512L << 20;

    @Test
    void dockerfileBuildsInStagesAndRunsAsNonRootOnAJreWithAReadinessHealthcheckAndVolumes() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(froms).hasSizeGreaterThanOrEqualTo(2);
        Matcher runtime =
                Pattern.compile("FROM eclipse-temurin:(\\d+)-jre\\b.*").matcher(froms.getLast());
        assertThat(runtime.matches()).as(froms.getLast()).isTrue();
        assertThat(Integer.parseInt(runtime.group(1))).isGreaterThanOrEqualTo(21);
        assertThat(String.join("\n", lines)).contains("COPY --from=build");

        String user = lines.stream()
                .filter(l -> l.startsWith("USER "))
                .reduce((a, b) -> b)
                .orElseThrow();
        assertThat(user.substring(5).split(":")[0]).isNotIn("root", "0");

        String joined = String.join("\n", lines).replace("\\\n", " ");
        assertThat(joined).containsPattern("HEALTHCHECK .*CMD .*http://127\\.0\\.0\\.1:8080/actuator/health/readiness");
        assertThat(joined)
                .containsPattern("VOLUME \\[.*\"/var/lib/duckbridge/data\".*\\]")
                .containsPattern("VOLUME \\[.*\"/var/lib/duckbridge/tmp\".*\\]");
        Map<String, String> env = dockerEnv(joined);
        assertThat(env).containsEntry("DUCKBRIDGE_DATA_DIR", "/var/lib/duckbridge/data");
        assertThat(env).containsEntry("DUCKBRIDGE_DUCKDB_TEMP_DIRECTORY", "/var/lib/duckbridge/tmp");
        assertThat(bind(env, "duckbridge.data-dir")).isEqualTo("/var/lib/duckbridge/data");
        assertThat(bind(env, "duckbridge.duckdb.temp-directory")).isEqualTo("/var/lib/duckbridge/tmp");
        assertThat(env.get("JAVA_TOOL_OPTIONS")).contains("-XX:MaxRAMPercentage=");
        assertThat(joined).containsPattern("ENTRYPOINT \\[\"java\"");
    }

    @Test
    void composeRunsTheServiceWithLogicalPostgresAndAnS3StoreWithinItsMemoryLimit() throws IOException {
        Map<String, Object> compose = yaml(ROOT.resolve("docker-compose.yml")).getFirst();
        Map<String, Object> services = map(compose, "services");
        assertThat(services).containsKeys("duckbridge", "postgres", "minio");

        Map<String, Object> postgres = map(services, "postgres");
        assertThat(String.valueOf(postgres.get("command"))).contains("wal_level=logical");
        assertThat(String.valueOf(postgres.get("image"))).startsWith("postgres:");

        Map<String, Object> duckbridge = map(services, "duckbridge");
        Map<String, String> env = stringMap(map(duckbridge, "environment"));
        assertThat(bind(env, "duckbridge.postgres.url")).startsWith("jdbc:postgresql://postgres:5432/");
        assertThat(bind(env, "duckbridge.lake.s3.endpoint")).isEqualTo("http://minio:9000");
        assertThat(bind(env, "duckbridge.lake.s3.path-style-access")).isEqualTo("true");
        assertKeysBind(env, 2);

        long limit = containerBytes(String.valueOf(duckbridge.get("mem_limit")));
        assertMemoryFits(limit, env.get("JAVA_TOOL_OPTIONS"), env.get("DUCKDB_MEMORY_LIMIT"));
        assertThat(String.valueOf(duckbridge.get("volumes"))).contains(":/var/lib/duckbridge/data");
    }

    @Test
    void kubernetesRunsOneWriterWithRecreateProbesVolumesSecretsAndMemoryThatFits() throws IOException {
        Map<String, Object> deployment =
                yaml(ROOT.resolve("deploy/kubernetes/deployment.yaml")).getFirst();
        assertThat(deployment.get("kind")).isEqualTo("Deployment");
        Map<String, Object> spec = map(deployment, "spec");
        assertThat(spec.get("replicas")).isEqualTo(1);
        assertThat(map(spec, "strategy").get("type")).isEqualTo("Recreate");

        Map<String, Object> pod = map(map(spec, "template"), "spec");
        Map<String, Object> podSecurity = map(pod, "securityContext");
        assertThat(podSecurity.get("runAsNonRoot")).isEqualTo(true);
        assertThat((Integer) podSecurity.get("runAsUser")).isPositive();
        Map<String, Object> container = list(pod, "containers").getFirst();
        Map<String, Object> containerSecurity = map(container, "securityContext");
        assertThat(containerSecurity.get("allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(containerSecurity.get("readOnlyRootFilesystem")).isEqualTo(true);

        assertThat(map(map(container, "livenessProbe"), "httpGet").get("path")).isEqualTo("/actuator/health/liveness");
        assertThat(map(map(container, "readinessProbe"), "httpGet").get("path"))
                .isEqualTo("/actuator/health/readiness");

        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> e : list(container, "env")) {
            env.put(String.valueOf(e.get("name")), String.valueOf(e.get("value")));
        }
        assertThat(list(container, "envFrom"))
                .anySatisfy(s -> assertThat(map(s, "secretRef").get("name")).isEqualTo("duckbridge"));
        assertThat(bind(env, "duckbridge.security.api-keys-file")).isEqualTo("/etc/duckbridge/api-keys/keys");
        assertThat(bind(env, "duckbridge.data-dir")).isEqualTo("/var/lib/duckbridge/data");
        assertThat(bind(env, "duckbridge.backup.directory")).isEqualTo("/var/lib/duckbridge/backups");

        Map<String, Object> resources = map(container, "resources");
        long limit = containerBytes(String.valueOf(map(resources, "limits").get("memory")));
        assertThat(containerBytes(String.valueOf(map(resources, "requests").get("memory"))))
                .isEqualTo(limit);
        assertMemoryFits(limit, env.get("JAVA_TOOL_OPTIONS"), env.get("DUCKDB_MEMORY_LIMIT"));

        Map<String, String> claims = new HashMap<>();
        for (Map<String, Object> v : list(pod, "volumes")) {
            if (v.get("persistentVolumeClaim") instanceof Map<?, ?> claim) {
                claims.put(String.valueOf(v.get("name")), String.valueOf(claim.get("claimName")));
            }
        }
        Map<String, String> mounts = new HashMap<>();
        for (Map<String, Object> m : list(container, "volumeMounts")) {
            mounts.put(String.valueOf(m.get("name")), String.valueOf(m.get("mountPath")));
        }
        assertThat(mounts.get("data")).isEqualTo("/var/lib/duckbridge/data");
        assertThat(mounts.get("backups")).isEqualTo("/var/lib/duckbridge/backups");
        assertThat(claims).containsEntry("data", "duckbridge-data").containsEntry("backups", "duckbridge-backups");

        List<String> pvcs = new ArrayList<>();
        for (Map<String, Object> doc : yaml(ROOT.resolve("deploy/kubernetes/pvc.yaml"))) {
            assertThat(doc.get("kind")).isEqualTo("PersistentVolumeClaim");
            assertThat(map(doc, "spec").get("accessModes")).isEqualTo(List.of("ReadWriteOnce"));
            pvcs.add(String.valueOf(map(doc, "metadata").get("name")));
        }
        assertThat(pvcs).containsExactlyInAnyOrderElementsOf(claims.values());
        // the pod must outlive the application's own shutdown phases (30 s) to checkpoint and close
        assertThat((Integer) pod.get("terminationGracePeriodSeconds")).isGreaterThan(30);

        // the metrics need a reader key: the scrape job that finds the pod by its annotations sends one
        Map<String, Object> annotations = map(map(map(spec, "template"), "metadata"), "annotations");
        assertThat(annotations.get("prometheus.io/path")).isEqualTo("/actuator/prometheus");
        assertThat(annotations.get("prometheus.io/port"))
                .isEqualTo(String.valueOf(list(container, "ports").getFirst().get("containerPort")));
        Map<String, Object> job = list(
                        yaml(ROOT.resolve("deploy/monitoring/prometheus-scrape.yml"))
                                .getFirst(),
                        "scrape_configs")
                .getFirst();
        assertThat(map(job, "authorization").get("type")).isEqualTo("Bearer");
        assertThat(String.valueOf(map(job, "authorization").get("credentials_file")))
                .isNotBlank();
        assertThat(list(job, "relabel_configs"))
                .anySatisfy(r -> assertThat(String.valueOf(r.get("source_labels")))
                        .contains("__meta_kubernetes_pod_annotation_prometheus_io_path"));
    }

    /** Heap (MaxRAMPercentage of the limit) + DuckDB's memory_limit + a native reserve fit the limit. */
    private static void assertMemoryFits(long limit, String javaOptions, String duckdbLimit) {
        Matcher pct = Pattern.compile("-XX:MaxRAMPercentage=(\\d+(?:\\.\\d+)?)").matcher(javaOptions);
        assertThat(pct.find()).as(javaOptions).isTrue();
        long heap = (long) (limit * Double.parseDouble(pct.group(1)) / 100);
        long duckdb = DataSizes.parse("DUCKDB_MEMORY_LIMIT", duckdbLimit);
        assertThat(heap + duckdb + NATIVE_RESERVE)
                .as("heap %d + DuckDB %d + reserve %d within limit %d", heap, duckdb, NATIVE_RESERVE, limit)
                .isLessThanOrEqualTo(limit);
    }

    /** A Kubernetes quantity ({@code 4Gi}, {@code 512Mi}) or a Compose size ({@code 2g}, {@code 512m}). */
    static long containerBytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti|k|m|g|K|M|G)?").matcher(quantity.strip());
        assertThat(m.matches()).as(quantity).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "" : m.group(2)) {
            case "" -> n;
            case "Ki", "k", "K" -> n << 10;
            case "Mi", "m", "M" -> n << 20;
            case "Gi", "g", "G" -> n << 30;
            case "Ti" -> n << 40;
            default -> throw new IllegalArgumentException(quantity);
        };
    }

    private static void assertKeysBind(Map<String, String> env, int count) {
        var properties = binder(env)
                .bind("duckbridge.security", DuckbridgeSecurityProperties.class)
                .get();
        assertThat(properties.apiKeys()).hasSize(count);
    }

    private static String bind(Map<String, String> env, String property) {
        return binder(env).bind(property, String.class).orElse(null);
    }

    /** Spring Boot's own relaxed binding of environment variables, as the running service sees them. */
    private static Binder binder(Map<String, String> env) {
        var environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        environment
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new HashMap<>(env)));
        return new Binder(ConfigurationPropertySources.from(environment.getPropertySources()));
    }

    private static Map<String, String> dockerEnv(String dockerfile) {
        Map<String, String> env = new HashMap<>();
        Matcher block = Pattern.compile("(?m)^ENV (.*)$").matcher(dockerfile);
        while (block.find()) {
            Matcher pair = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)").matcher(block.group(1));
            while (pair.find()) {
                env.put(pair.group(1), pair.group(2).replace("\"", ""));
            }
        }
        return env;
    }

    private static List<Map<String, Object>> yaml(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file)) {
            for (Object doc : new Yaml().loadAll(reader)) {
                if (doc != null) {
                    docs.add(cast(doc));
                }
            }
        }
        return docs;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return cast(parent.get(key));
    }

    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return cast(parent.get(key));
    }

    private static Map<String, String> stringMap(Map<String, Object> map) {
        Map<String, String> strings = new HashMap<>();
        map.forEach((k, v) -> strings.put(k, String.valueOf(v)));
        return strings;
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }
}
