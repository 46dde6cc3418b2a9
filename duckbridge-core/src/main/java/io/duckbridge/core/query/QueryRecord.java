package io.duckbridge.core.query;

import io.duckbridge.core.error.ErrorClass;
import java.time.Instant;

/**
 * The metrics of one query.
 *
 * @param queryId the query's id
 * @param normalizedSql the text with literals replaced by {@code ?} and whitespace collapsed
 * @param kind {@code query}, {@code rows} (query builder) or {@code explain}
 * @param format the result format, null for explain
 * @param startedAt when the query was admitted
 * @param durationMs wall time in milliseconds
 * @param rows rows returned
 * @param bytes bytes written
 * @param peakMemoryBytes DuckDB's {@code peak_buffer_memory} from its profile of the query; null when
 *     the query failed before DuckDB profiled it
 * @param errorClass the failure's class, null for success
 */
public record QueryRecord(
        String queryId,
        String normalizedSql,
        String kind,
        QueryFormat format,
        Instant startedAt,
        double durationMs,
        long rows,
        long bytes,
        Long peakMemoryBytes,
        ErrorClass errorClass) {

    public boolean succeeded() {
        return errorClass == null;
    }
}
