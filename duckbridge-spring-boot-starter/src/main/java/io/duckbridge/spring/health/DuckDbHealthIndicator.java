package io.duckbridge.spring.health;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineStatus;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the DuckDB engine, with the effective settings as details: memory_limit, threads,
 * temp_directory, database path and size, memory in use from {@code duckdb_memory()}, extensions.
 * Thread-safe.
 */
public class DuckDbHealthIndicator extends AbstractHealthIndicator {
    private final DuckDbEngine engine;

    public DuckDbHealthIndicator(DuckDbEngine engine) {
        super("DuckDB health check failed");
        this.engine = engine;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (engine.isClosed()) {
            builder.down().withDetail("reason", "the engine is closed");
            return;
        }
        EngineStatus s = engine.status();
        builder.up()
                .withDetail("database", s.databasePath())
                .withDetail("databaseSizeBytes", s.databaseSizeBytes())
                .withDetail("duckdbVersion", s.duckdbVersion())
                .withDetail("memory_limit", s.memoryLimit())
                .withDetail("memoryLimitBytes", s.memoryLimitBytes())
                .withDetail("memoryUsageBytes", s.memoryUsageBytes())
                .withDetail("threads", s.threads())
                .withDetail("temp_directory", s.tempDirectory())
                .withDetail("tempDirectorySizeBytes", s.tempDirectorySizeBytes())
                .withDetail("extensions", s.extensions())
                .withDetail("readers", s.readers())
                .withDetail("readersInUse", s.readersInUse())
                .withDetail("readsWaiting", s.readsWaiting())
                .withDetail("writerQueue", s.writerQueue());
    }
}
