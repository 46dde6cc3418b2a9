package io.duckbridge.spring.query;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code duckbridge.query.*}: limits of the query API and DuckDB's sandbox.
 *
 * @param defaultTimeout timeout of a query that names none
 * @param maxTimeout the longest {@code timeoutMs} a request may ask for
 * @param defaultMaxRows rows returned as JSON when the request names no {@code maxRows}
 * @param arrowBatchSize rows per Arrow record batch
 * @param maxConcurrent queries running at once
 * @param maxQueued queries waiting for a slot; beyond that 429 with {@code Retry-After}
 * @param maxQueueWait how long a queued query waits for a slot before 429
 * @param fileRoots directories user queries may read files from; empty for {@code data-dir/exports}
 * @param sandbox DuckDB's database-wide sandbox
 */
@ConfigurationProperties("duckbridge.query")
public record QueryProperties(
        @DefaultValue("30s") Duration defaultTimeout,
        @DefaultValue("5m") Duration maxTimeout,
        @DefaultValue("10000") int defaultMaxRows,
        @DefaultValue("65536") int arrowBatchSize,
        @DefaultValue("8") int maxConcurrent,
        @DefaultValue("32") int maxQueued,
        @DefaultValue("10s") Duration maxQueueWait,
        List<Path> fileRoots,
        @DefaultValue Sandbox sandbox) {

    public QueryProperties {
        fileRoots = fileRoots == null ? List.of() : List.copyOf(fileRoots);
    }

    /**
     * @param enabled whether the engine opens inside DuckDB's sandbox
     * @param allowedDirectories directories DuckDB may use besides the data directory
     * @param allowedPaths files or URL prefixes DuckDB may use
     * @param lockConfiguration whether DuckDB's configuration is locked after opening
     */
    public record Sandbox(
            @DefaultValue("true") boolean enabled,
            List<Path> allowedDirectories,
            List<String> allowedPaths,
            @DefaultValue("true") boolean lockConfiguration) {
        public Sandbox {
            allowedDirectories = allowedDirectories == null ? List.of() : List.copyOf(allowedDirectories);
            allowedPaths = allowedPaths == null ? List.of() : List.copyOf(allowedPaths);
        }
    }
}
