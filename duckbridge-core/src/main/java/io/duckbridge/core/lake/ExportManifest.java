package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code _manifest.json} of a published export version: every data file with its rows, bytes, SHA-256
 * and partition values, the schema, the layout, the DuckDB version and, when the source table is synced
 * from PostgreSQL, its sync state. Immutable.
 *
 * @param formatVersion 1
 * @param exportId the export's id
 * @param version the version directory, e.g. {@code v=20261126T140501123Z-1a2b3c4d}
 * @param previousVersion the version this one replaced, or null
 * @param createdAt ISO-8601 instant
 * @param mode overwrite, append or error
 * @param source {@code {"table": ...}} or {@code {"sql": ...}}
 * @param files data files, paths relative to the export's root (append keeps earlier versions' files)
 * @param rows total rows over all files
 * @param bytes total bytes over all files
 * @param schema column names and DuckDB types, in order
 * @param sourceSyncState the source table's row in {@code duckbridge.sync_state}, or null
 */
public record ExportManifest(
        int formatVersion,
        String exportId,
        String version,
        String previousVersion,
        String createdAt,
        String mode,
        Map<String, Object> source,
        List<File> files,
        long rows,
        long bytes,
        List<Column> schema,
        List<String> partitionBy,
        List<String> orderBy,
        String compression,
        Integer compressionLevel,
        int rowGroupSize,
        String duckdbVersion,
        Map<String, Object> sourceSyncState) {

    static final String MANIFEST = "_manifest.json";
    static final String SUCCESS = "_SUCCESS";
    static final String POINTER = "_latest.json";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public ExportManifest {
        files = List.copyOf(files);
        schema = List.copyOf(schema);
        partitionBy = List.copyOf(partitionBy == null ? List.of() : partitionBy);
        orderBy = List.copyOf(orderBy == null ? List.of() : orderBy);
    }

    /**
     * @param path relative to the export's root, e.g. {@code v=.../region=eu/data_0.parquet}
     * @param partition Hive partition values from the path (null for a NULL value)
     */
    public record File(String path, long rows, long bytes, String sha256, Map<String, String> partition) {}

    public record Column(String name, String type) {}

    /** The {@code _latest.json} pointer: which version readers should use. */
    public record Pointer(String version, String manifest, String previousVersion, String publishedAt) {}

    byte[] toJson() {
        return JSON.writeValueAsBytes(this);
    }

    /**
     * The manifest in {@code json}; a damaged one (not JSON, cut off, or without the fields every manifest has)
     * is an IO error naming it, what is wrong in a sentence (no parser internals) and the repair.
     */
    static ExportManifest parse(String where, byte[] json) {
        ExportManifest manifest;
        try {
            manifest = JSON.readValue(json, ExportManifest.class);
        } catch (StreamReadException e) {
            TokenStreamLocation at = e.getLocation();
            throw damaged(
                    where,
                    "it is not valid JSON"
                            + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()),
                    e);
        } catch (JacksonException e) {
            throw damaged(where, "it is not an export manifest (a field is missing or has the wrong type)", e);
        }
        if (manifest == null || manifest.version() == null) {
            throw damaged(where, "it is not an export manifest (it has no version)", null);
        }
        return manifest;
    }

    private static Damaged damaged(String where, String what, Exception cause) {
        return new Damaged(
                "the manifest " + where + " is damaged: " + what + "; nothing was read from that export. Export to"
                        + " this target again with mode overwrite to replace it, or restore the file from a copy",
                cause);
    }

    /** IO: a manifest that cannot be read ({@link #parse}); the export it describes cannot be trusted. */
    static final class Damaged extends DuckbridgeException {
        Damaged(String message, Throwable cause) {
            super(ErrorClass.IO, message, cause);
        }
    }

    static byte[] toJson(Pointer pointer) {
        return JSON.writeValueAsBytes(pointer);
    }

    /**
     * The pointer in {@code json}, or empty when it is none Duckbridge can follow: not JSON, or without a version
     * or a valid manifest key (a file damaged or written by something else). Callers say what that means to them.
     */
    static Optional<Pointer> readPointer(byte[] json) {
        Pointer pointer;
        try {
            pointer = JSON.readValue(json, Pointer.class);
        } catch (JacksonException e) {
            return Optional.empty();
        }
        if (pointer == null
                || !isVersion(pointer.version())
                || (pointer.previousVersion() != null && !isVersion(pointer.previousVersion()))
                || pointer.manifest() == null) {
            return Optional.empty();
        }
        try {
            ObjectStore.checkFileKey(pointer.manifest());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(pointer);
    }

    /** Whether {@code name} can be a version directory: one valid key segment. */
    private static boolean isVersion(String name) {
        if (name == null || name.contains("/")) {
            return false;
        }
        try {
            ObjectStore.checkFileKey(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String jsonOf(Object value) {
        return JSON.writeValueAsString(value);
    }
}
