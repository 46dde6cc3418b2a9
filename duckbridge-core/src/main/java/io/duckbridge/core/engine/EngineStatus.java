package io.duckbridge.core.engine;

import java.util.Map;

/**
 * A point-in-time view of the engine for health and metrics.
 *
 * @param databasePath the database file or {@code :memory:}
 * @param databaseSizeBytes bytes of the database file plus its WAL (0 in memory)
 * @param memoryLimit DuckDB's effective {@code memory_limit}, as DuckDB prints it
 * @param memoryLimitBytes the limit Duckbridge set, in bytes
 * @param memoryUsageBytes bytes DuckDB's buffer manager uses now, from {@code duckdb_memory()}
 * @param threads DuckDB's effective {@code threads}
 * @param tempDirectory DuckDB's effective {@code temp_directory}
 * @param tempDirectorySizeBytes bytes spilled to the temp directory now
 * @param duckdbVersion DuckDB's library version
 * @param extensions each configured or built-in extension and whether it is loaded
 * @param readers the reader pool size
 * @param readersInUse readers running work now
 * @param readsWaiting reads queued for a reader
 * @param writerQueue writes queued on the lane (not counting the running one)
 */
public record EngineStatus(
        String databasePath,
        long databaseSizeBytes,
        String memoryLimit,
        long memoryLimitBytes,
        long memoryUsageBytes,
        int threads,
        String tempDirectory,
        long tempDirectorySizeBytes,
        String duckdbVersion,
        Map<String, Boolean> extensions,
        int readers,
        int readersInUse,
        int readsWaiting,
        int writerQueue) {}
