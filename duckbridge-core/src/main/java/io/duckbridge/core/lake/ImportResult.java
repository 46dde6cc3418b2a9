package io.duckbridge.core.lake;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a finished import loaded.
 *
 * @param manifestVerified whether a manifest was found and every file matched its size and SHA-256
 * @param path {@code local} or {@code sdk} (S3 objects downloaded to staging through the AWS SDK first)
 */
public record ImportResult(
        String table,
        String mode,
        long rows,
        int files,
        long bytes,
        boolean manifestVerified,
        String path,
        long elapsedMs) {

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", table);
        m.put("mode", mode);
        m.put("rows", rows);
        m.put("files", files);
        m.put("bytes", bytes);
        m.put("manifestVerified", manifestVerified);
        m.put("path", path);
        m.put("elapsedMs", elapsedMs);
        return m;
    }
}
