package io.duckbridge.spring.lake;

import io.duckbridge.core.lake.ExportMode;
import io.duckbridge.core.lake.ExportRequest;
import java.util.List;

/**
 * The body of {@code POST /api/v1/exports}, as in the HTTP contract. {@code fileSizeBytes} rolls over to a
 * new file after about that many bytes.
 */
@tools.jackson.databind.annotation.JsonNaming(
        tools.jackson.databind.PropertyNamingStrategies.LowerCamelCaseStrategy.class)
public record ExportBody(
        String table,
        String sql,
        String target,
        List<String> partitionBy,
        List<String> orderBy,
        String compression,
        Integer compressionLevel,
        Integer rowGroupSize,
        Long fileSizeBytes,
        String mode) {

    /** @throws io.duckbridge.core.error.DuckbridgeException INVALID_REQUEST naming the bad field */
    public ExportRequest toRequest() {
        return new ExportRequest(
                table,
                sql,
                target,
                partitionBy,
                orderBy,
                compression,
                compressionLevel,
                rowGroupSize,
                fileSizeBytes,
                ExportMode.parse(mode));
    }
}
