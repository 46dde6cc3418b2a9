package io.duckbridge.spring;

import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code duckbridge.*} settings shared by every feature. Features add their own
 * {@code duckbridge.<feature>.*} records.
 *
 * @param dataDir root for the database file, staging, exports and backups
 * @param duckdb DuckDB settings
 * @param postgres the source PostgreSQL; its URL unset means demo mode in the server
 * @param jobs how many long operations run at once and how many finished ones are remembered
 */
@ConfigurationProperties("duckbridge")
public record DuckbridgeProperties(
        @DefaultValue("./duckbridge-data") Path dataDir,
        @DefaultValue Duckdb duckdb,
        @DefaultValue Postgres postgres,
        @DefaultValue Jobs jobs) {

    /**
     * @param path the DuckDB file; default {@code ${duckbridge.data-dir}/analytics.duckdb}
     * @param memoryLimit DuckDB memory_limit ({@code 4GB} or {@code 60%}); unset: planned from the container
     *     (or the {@code DUCKDB_MEMORY_LIMIT} environment variable)
     * @param threads DuckDB threads; unset: available processors (or {@code DUCKDB_THREADS})
     * @param tempDirectory where DuckDB spills; default {@code ${duckbridge.data-dir}/tmp}
     * @param maxTempDirectorySize cap on spilled data, e.g. {@code 20GB}
     * @param preserveInsertionOrder whether DuckDB preserves insertion order without ORDER BY
     * @param readers reader pool size; 0 plans from threads
     * @param readerQueue reads that may wait for a reader before new ones are refused
     * @param extensions extensions that must load at startup
     * @param optionalExtensions extensions loaded when present
     * @param extensionDirectory the offline extension directory
     * @param closeGracePeriod how long shutdown lets running work finish
     */
    public record Duckdb(
            Path path,
            String memoryLimit,
            Integer threads,
            Path tempDirectory,
            String maxTempDirectorySize,
            @DefaultValue("true") boolean preserveInsertionOrder,
            @DefaultValue("0") int readers,
            @DefaultValue("64") int readerQueue,
            @DefaultValue List<String> extensions,
            @DefaultValue List<String> optionalExtensions,
            Path extensionDirectory,
            @DefaultValue("10s") Duration closeGracePeriod) {}

    /**
     * @param url JDBC URL of the source PostgreSQL
     * @param username login user
     * @param password login password (never logged)
     */
    public record Postgres(String url, String username, String password) {
        @Override
        public String toString() {
            return "Postgres[url=" + url + ", username=" + username + "]";
        }

        public boolean configured() {
            return url != null && !url.isBlank();
        }

        public PostgresSource toSource() {
            return new PostgresSource(url, username, password);
        }
    }

    /**
     * @param workers jobs running at once
     * @param retained finished jobs remembered for {@code GET /api/v1/jobs}
     */
    public record Jobs(
            @DefaultValue("2") int workers,
            @DefaultValue("200") int retained) {
        public Jobs {
            if (workers < 1) {
                throw new IllegalArgumentException(
                        "duckbridge.jobs.workers " + workers + " must be at least 1; use e.g. 2");
            }
            if (retained < 0) {
                throw new IllegalArgumentException(
                        "duckbridge.jobs.retained " + retained + " must not be negative; use e.g. 200");
            }
        }
    }

    /** The DuckDB file: {@code duckdb.path} or {@code data-dir/analytics.duckdb}. */
    public Path databaseFile() {
        return duckdb.path() != null ? duckdb.path() : dataDir.resolve("analytics.duckdb");
    }

    /**
     * Engine settings from these properties. {@code memoryLimitFallback} and {@code threadsFallback} are
     * the {@code DUCKDB_MEMORY_LIMIT}/{@code DUCKDB_THREADS} environment values, used when the properties are unset.
     */
    public EngineSettings engineSettings(String memoryLimitFallback, String threadsFallback) {
        String memoryLimit = duckdb.memoryLimit() != null ? duckdb.memoryLimit() : memoryLimitFallback;
        if (duckdb.memoryLimit() == null
                && memoryLimitFallback != null
                && !memoryLimitFallback.isBlank()
                && !memoryLimitFallback.strip().endsWith("%")) {
            // from the environment: an error names the variable the user set
            io.duckbridge.core.engine.DataSizes.parse("DUCKDB_MEMORY_LIMIT", memoryLimitFallback.strip());
        }
        Integer threads = duckdb.threads();
        if (threads == null && threadsFallback != null && !threadsFallback.isBlank()) {
            try {
                threads = Integer.valueOf(threadsFallback.strip());
            } catch (NumberFormatException e) {
                throw new io.duckbridge.core.error.DuckbridgeException(
                        io.duckbridge.core.error.ErrorClass.INVALID_REQUEST,
                        "DUCKDB_THREADS \"" + threadsFallback + "\" is not a whole number; use e.g. 4");
            }
        }
        String path = databaseFile().toAbsolutePath().normalize().toString();
        return new EngineSettings(
                EngineSettings.IN_MEMORY.equals(
                                duckdb.path() == null ? null : duckdb.path().toString())
                        ? EngineSettings.IN_MEMORY
                        : path,
                memoryLimit,
                threads,
                (duckdb.tempDirectory() != null ? duckdb.tempDirectory() : dataDir.resolve("tmp"))
                        .toAbsolutePath()
                        .normalize(),
                duckdb.maxTempDirectorySize(),
                duckdb.preserveInsertionOrder(),
                duckdb.readers(),
                duckdb.readerQueue(),
                duckdb.extensions(),
                duckdb.optionalExtensions(),
                duckdb.extensionDirectory(),
                duckdb.closeGracePeriod());
    }
}
