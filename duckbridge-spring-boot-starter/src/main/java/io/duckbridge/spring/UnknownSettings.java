package io.duckbridge.spring;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finds {@code duckbridge.*} settings that no Duckbridge component reads — a misspelled key
 * ({@code duckbridge.duckdb.memory-limt}) is otherwise ignored in silence and its default applies. The keys
 * that exist are those of the configuration metadata on the classpath (written at build time from the
 * {@code @ConfigurationProperties} records); a key is compared in its relaxed form, so
 * {@code DUCKBRIDGE_DUCKDB_MEMORY_LIMIT} and {@code duckbridge.duckdb.memoryLimit} are the same key. Stateless.
 */
final class UnknownSettings {
    private static final Logger log = LoggerFactory.getLogger(UnknownSettings.class);
    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("duckbridge");
    /** Read by the CLI from the environment, not by the service. */
    private static final Set<String> CLI_ONLY = Set.of(flat("duckbridge.api-key"));

    private UnknownSettings() {}

    /** Logs a warning naming each unknown {@code duckbridge.*} key in {@code environment}, with the nearest known. */
    static void warn(Environment environment) {
        Map<String, Boolean> known = known();
        if (known.isEmpty()) {
            return; // no metadata on this classpath (a repackaged application): nothing to compare with
        }
        for (String key : unknown(environment, known)) {
            String near = nearest(key, known.keySet());
            log.warn(
                    "the setting {} is not one Duckbridge reads in this application and is ignored{}",
                    key,
                    near == null ? "" : "; did you mean " + near + "?");
        }
    }

    /**
     * The {@code duckbridge.*} keys of {@code environment} that no known property covers, in order: as written
     * in properties and arguments, and as the variable's name for the process environment
     * ({@code DUCKBRIDGE_POSTGRES_USRENAME}).
     */
    static Set<String> unknown(Environment environment, Map<String, Boolean> known) {
        Map<String, Boolean> flatKnown = new LinkedHashMap<>();
        known.forEach((name, container) -> flatKnown.put(flat(name), container));
        Set<String> unknown = new TreeSet<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource variables) {
                // relaxed binding maps a key to a variable, not the other way round: compare the names flat
                for (String variable : variables.getPropertyNames()) {
                    if (variable.toUpperCase(Locale.ROOT).startsWith("DUCKBRIDGE_")
                            && !covered(flat(variable), flatKnown)) {
                        unknown.add(variable);
                    }
                }
            } else if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.stream()
                        .filter(ROOT::isAncestorOf)
                        .map(ConfigurationPropertyName::toString)
                        .filter(name -> !covered(flat(name), flatKnown))
                        .forEach(unknown::add);
            }
        }
        return unknown;
    }

    private static boolean covered(String key, Map<String, Boolean> flatKnown) {
        if (flatKnown.containsKey(key) || CLI_ONLY.contains(key)) {
            return true;
        }
        // an element of a list or map setting: duckbridge.security.api-keys[0].name, sync.layouts[public.t]...
        return flatKnown.entrySet().stream().anyMatch(e -> e.getValue() && key.startsWith(e.getKey()));
    }

    /**
     * Every property of the configuration metadata on the classpath, to whether it holds a list, map or object
     * (whose elements have keys of their own below it).
     */
    static Map<String, Boolean> known() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        try {
            Resource[] files = new PathMatchingResourcePatternResolver(UnknownSettings.class.getClassLoader())
                    .getResources("classpath*:META-INF/spring-configuration-metadata.json");
            for (Resource file : files) {
                JsonNode metadata;
                try (InputStream in = file.getInputStream()) {
                    metadata = JsonMapper.shared().readTree(in);
                }
                for (JsonNode property : metadata.path("properties")) {
                    String name = property.path("name").asString();
                    if (name.startsWith("duckbridge.")) {
                        out.put(name, container(property.path("type").asString()));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("the configuration metadata could not be read: {}", e.toString());
            return Map.of();
        }
        return out;
    }

    private static boolean container(String type) {
        return type.startsWith("java.util.") || type.endsWith("[]") || type.startsWith("io.duckbridge.");
    }

    /** A key without what relaxed binding ignores: case, dashes, underscores, dots and brackets. */
    static String flat(String key) {
        return key.toLowerCase(Locale.ROOT).replaceAll("[-_.\\[\\]]", "");
    }

    /** The known key closest to {@code key} by edit distance, when it is close enough to be a typo; else null. */
    static String nearest(String key, Set<String> known) {
        String flatKey = flat(key);
        List<String> candidates = new ArrayList<>(known);
        candidates.sort(Comparator.comparingInt(k -> distance(flat(k), flatKey)));
        if (candidates.isEmpty()) {
            return null;
        }
        String best = candidates.getFirst();
        return distance(flat(best), flatKey) <= Math.max(2, flatKey.length() / 8) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
