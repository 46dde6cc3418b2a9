package io.duckbridge.spring.lake;

import io.duckbridge.core.lake.ImportMode;
import io.duckbridge.core.lake.ImportRequest;

/** The body of {@code POST /api/v1/imports}, as in the HTTP contract. */
@tools.jackson.databind.annotation.JsonNaming(
        tools.jackson.databind.PropertyNamingStrategies.LowerCamelCaseStrategy.class)
public record ImportBody(String source, String table, String mode, Boolean hivePartitioning, Boolean unionByName) {

    /** @throws io.duckbridge.core.error.DuckbridgeException INVALID_REQUEST naming the bad field */
    public ImportRequest toRequest() {
        return new ImportRequest(source, table, ImportMode.parse(mode), hivePartitioning, unionByName);
    }
}
