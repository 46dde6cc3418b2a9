package io.duckbridge.core.lake;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a finished export published.
 *
 * @param version the version directory now current
 * @param manifest URI of its {@code _manifest.json}
 * @param pointer URI of {@code _latest.json}
 * @param files URIs of the data files this export wrote
 * @param rows rows this export wrote
 * @param bytes bytes this export wrote
 * @param totalRows rows in the published version (more than {@code rows} after an append)
 * @param path how the files were published: {@code local}, or {@code sdk} for S3 through the AWS SDK
 */
public record ExportResult(
        String exportId,
        String version,
        String manifest,
        String pointer,
        List<String> files,
        long rows,
        long bytes,
        long totalRows,
        String path,
        long elapsedMs) {

    /** The job result: JSON-friendly. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exportId", exportId);
        m.put("version", version);
        m.put("manifest", manifest);
        m.put("pointer", pointer);
        m.put("files", files);
        m.put("rows", rows);
        m.put("bytes", bytes);
        m.put("totalRows", totalRows);
        m.put("path", path);
        m.put("elapsedMs", elapsedMs);
        return m;
    }
}
