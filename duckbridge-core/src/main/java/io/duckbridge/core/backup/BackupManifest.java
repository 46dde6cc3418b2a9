package io.duckbridge.core.backup;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a backup contains, written as {@code manifest.json} beside the archive after the archive is complete.
 *
 * @param id the backup's id (its directory name); sorts by creation time
 * @param createdAt when the snapshot was taken
 * @param duckbridgeVersion the Duckbridge version that wrote it
 * @param duckdbVersion the DuckDB version that wrote it; checksums compare only within one version
 * @param database the DuckDB catalog name the backup was taken from
 * @param archive the archive's file name inside the backup directory
 * @param compression the archive's compression ({@code zstd})
 * @param archiveBytes the archive's size
 * @param databaseBytes the size of the uncompressed DuckDB file in the archive
 * @param sha256 hex SHA-256 of the archive
 * @param tables every table's row count and checksum, in schema and name order
 * @param state rows of Duckbridge's own state tables (schema {@code duckbridge}: sync watermarks, applied
 *     LSN) as they were in the snapshot, keyed by table name
 * @param writePauseMillis how long writes were paused (the checkpoint on the writer lane)
 * @param durationMillis how long the whole backup took
 */
public record BackupManifest(
        String id,
        Instant createdAt,
        String duckbridgeVersion,
        String duckdbVersion,
        String database,
        String archive,
        String compression,
        long archiveBytes,
        long databaseBytes,
        String sha256,
        List<TableChecksum> tables,
        Map<String, List<Map<String, Object>>> state,
        long writePauseMillis,
        long durationMillis) {

    public BackupManifest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(archive, "archive");
        Objects.requireNonNull(sha256, "sha256");
        tables = List.copyOf(tables == null ? List.of() : tables);
        state = state == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(state));
    }

    /** Row counts by table ({@code schema.name}, or the name alone in {@code main}), as in the HTTP result. */
    public Map<String, Long> rowCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        tables.forEach(t -> counts.put(t.qualifiedName(), t.rowCount()));
        return counts;
    }
}
