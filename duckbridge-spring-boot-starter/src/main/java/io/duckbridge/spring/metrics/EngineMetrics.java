package io.duckbridge.spring.metrics;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.function.ToDoubleFunction;

/**
 * Gauges over {@link DuckDbEngine#status()}: reader pool in use and waiting, writer lane queue, DuckDB memory in
 * use and its limit, database and temp directory sizes. The status is cached for {@code maxAge} so a scrape
 * costs at most one {@code duckdb_memory()} call and two directory walks per period. Thread-safe.
 *
 * <table>
 *   <caption>meters (Prometheus names in brackets)</caption>
 *   <tr><td>duckbridge.engine.readers.active</td><td>readers running work [duckbridge_engine_readers_active]</td></tr>
 *   <tr><td>duckbridge.engine.readers.waiting</td><td>reads queued for a reader</td></tr>
 *   <tr><td>duckbridge.engine.readers.max</td><td>reader pool size</td></tr>
 *   <tr><td>duckbridge.engine.writer.queue</td><td>writes queued on the lane</td></tr>
 *   <tr><td>duckbridge.engine.memory.used</td><td>bytes DuckDB uses [duckbridge_engine_memory_used_bytes]</td></tr>
 *   <tr><td>duckbridge.engine.memory.limit</td><td>DuckDB's memory_limit in bytes</td></tr>
 *   <tr><td>duckbridge.engine.database.size</td><td>database file plus WAL, bytes</td></tr>
 *   <tr><td>duckbridge.engine.temp.size</td><td>bytes spilled to the temp directory</td></tr>
 *   <tr><td>duckbridge.engine.up</td><td>1 while the engine is open</td></tr>
 * </table>
 */
public final class EngineMetrics implements MeterBinder {
    private final DuckDbEngine engine;
    private final long maxAgeNanos;
    private final Object lock = new Object();
    private EngineStatus cached;
    private long cachedAt;

    public EngineMetrics(DuckDbEngine engine, Duration maxAge) {
        this.engine = engine;
        this.maxAgeNanos = maxAge.toNanos();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "duckbridge.engine.readers.active", null, "readers running work", EngineStatus::readersInUse);
        gauge(
                registry,
                "duckbridge.engine.readers.waiting",
                null,
                "reads queued for a reader",
                EngineStatus::readsWaiting);
        gauge(registry, "duckbridge.engine.readers.max", null, "reader pool size", EngineStatus::readers);
        gauge(
                registry,
                "duckbridge.engine.writer.queue",
                null,
                "writes queued on the writer lane",
                EngineStatus::writerQueue);
        gauge(
                registry,
                "duckbridge.engine.memory.used",
                "bytes",
                "memory DuckDB uses now",
                EngineStatus::memoryUsageBytes);
        gauge(
                registry,
                "duckbridge.engine.memory.limit",
                "bytes",
                "DuckDB memory_limit",
                EngineStatus::memoryLimitBytes);
        gauge(
                registry,
                "duckbridge.engine.database.size",
                "bytes",
                "database file plus WAL",
                EngineStatus::databaseSizeBytes);
        gauge(
                registry,
                "duckbridge.engine.temp.size",
                "bytes",
                "data spilled to the temp directory",
                EngineStatus::tempDirectorySizeBytes);
        Gauge.builder("duckbridge.engine.up", engine, e -> e.isClosed() ? 0 : 1)
                .description("1 while the DuckDB engine is open")
                .register(registry);
    }

    private void gauge(
            MeterRegistry registry,
            String name,
            String unit,
            String description,
            ToDoubleFunction<EngineStatus> value) {
        Gauge.builder(name, this, m -> {
                    EngineStatus s = m.status();
                    return s == null ? Double.NaN : value.applyAsDouble(s);
                })
                .baseUnit(unit)
                .description(description)
                .register(registry);
    }

    /** The cached status, refreshed when older than maxAge; null once the engine is closed. */
    EngineStatus status() {
        synchronized (lock) {
            long now = System.nanoTime();
            if (cached == null || now - cachedAt > maxAgeNanos) {
                if (engine.isClosed()) {
                    return null;
                }
                cached = engine.status();
                cachedAt = now;
            }
            return cached;
        }
    }
}
