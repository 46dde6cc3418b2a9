package io.duckbridge.core.query;

import java.util.List;

/**
 * What one finished query returned.
 *
 * @param queryId the id also written into the JSON body and the metrics
 * @param columns the result's columns
 * @param rowCount rows written
 * @param bytes bytes written to the target
 * @param truncated whether {@code maxRows} cut the result
 * @param elapsedMs wall time from admission to the last byte
 */
public record QueryOutcome(
        String queryId, List<ResultColumn> columns, long rowCount, long bytes, boolean truncated, long elapsedMs) {
    public QueryOutcome {
        columns = List.copyOf(columns);
    }
}
