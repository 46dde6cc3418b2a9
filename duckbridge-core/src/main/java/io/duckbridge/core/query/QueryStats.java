package io.duckbridge.core.query;

/**
 * Totals over every recorded query since start; percentiles and averages over the most recent window.
 */
@tools.jackson.databind.annotation.JsonNaming(
        tools.jackson.databind.PropertyNamingStrategies.LowerCamelCaseStrategy.class)
public record QueryStats(
        long totalQueries,
        long successfulQueries,
        double errorRate,
        double avgDurationMs,
        double p50DurationMs,
        double p95DurationMs,
        double p99DurationMs,
        long totalRowsProcessed,
        double avgPeakMemoryMb) {}
