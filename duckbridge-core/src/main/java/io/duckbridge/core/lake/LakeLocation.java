package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;

/**
 * Where an export goes or an import comes from: {@code s3://bucket/prefix} or {@code file:relative/dir}
 * (relative to {@code <data-dir>/exports}; absolute paths and {@code ..} are refused so requests cannot
 * reach files outside the data directory).
 *
 * @param bucket the bucket, or null for a local location
 * @param path the prefix in the bucket or the directory under {@code exports/}, without leading or
 *     trailing {@code /}; may contain glob characters for imports
 */
public record LakeLocation(String bucket, String path) {

    public LakeLocation {
        path = path == null ? "" : path.replaceAll("^/+|/+$", "");
        if (("/" + path + "/").contains("/../") || path.contains("\\") || path.contains("\0")) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "\"" + path + "\" must not contain .. or backslashes");
        }
    }

    public boolean isS3() {
        return bucket != null;
    }

    /**
     * Parses {@code s3://bucket/prefix} or {@code file:relative/dir}.
     *
     * @param field the request field, named in the error message
     * @throws DuckbridgeException INVALID_REQUEST for anything else
     */
    public static LakeLocation parse(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    field + " is missing; use s3://bucket/prefix or file:relative/dir (under the data directory's"
                            + " exports/)");
        }
        String v = value.strip();
        if (v.startsWith("s3://")) {
            String rest = v.substring(5);
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            if (bucket.isEmpty()) {
                throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, field + " \"" + v + "\" names no bucket");
            }
            return new LakeLocation(bucket, slash < 0 ? "" : rest.substring(slash + 1));
        }
        if (v.startsWith("file:")) {
            String rest = v.substring(5);
            if (rest.startsWith("/") || rest.matches("^[A-Za-z]:.*")) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        field + " \"" + v + "\" is absolute; use a path relative to the data directory's exports/,"
                                + " e.g. file:orders");
            }
            if (rest.isBlank()) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST, field + " \"" + v + "\" names no directory; use e.g. file:orders");
            }
            if (rest.startsWith("~")) {
                // no shell expands it: the export would land in a directory named ~ under exports/, which the
                // query API's file check refuses to read (it takes ~ for the home directory)
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        field + " \"" + v + "\" starts with ~, which is not the home directory here; use a path"
                                + " relative to the data directory's exports/, e.g. file:orders");
            }
            return new LakeLocation(null, rest);
        }
        throw new DuckbridgeException(
                ErrorClass.INVALID_REQUEST,
                field + " \"" + v + "\" is neither s3://bucket/prefix nor file:relative/dir");
    }

    @Override
    public String toString() {
        return isS3() ? "s3://" + bucket + "/" + path : "file:" + path;
    }
}
