package io.duckbridge.core.lake;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A place for immutable objects under one root: a local directory ({@link LocalObjectStore}) or a bucket and
 * prefix in S3-compatible storage ({@link S3Storage#store(String, String)}). Keys are relative to the root
 * and use {@code /}; they must not start with {@code /} or contain {@code ..}.
 *
 * <p>Every write is verified before it returns: the stored object's size and SHA-256 must equal the
 * source's, otherwise the write fails with {@link io.duckbridge.core.error.ErrorClass#IO} and nothing
 * half-written stays under the key. A single object is replaced atomically: readers see the old or the new
 * content, never a mix. Reads are verified against the size and, where the store recorded one, the SHA-256.
 *
 * <p>Failures are {@link io.duckbridge.core.error.DuckbridgeException}s: PERMISSION for refused credentials,
 * NOT_FOUND for a missing bucket or key, SOURCE_UNAVAILABLE when the storage cannot be reached or answers
 * with a server error, IO for local file problems and failed verification.
 *
 * <p>Implementations are thread-safe. Closing the store does not close shared clients it was made from.
 */
public interface ObjectStore {

    /** A human-readable URI for {@code key}, e.g. {@code s3://bucket/prefix/key} or {@code file:/...}. */
    String uri(String key);

    /** Uploads {@code file} to {@code key} (multipart in parallel parts when large) and verifies it. */
    StoredObject put(String key, Path file);

    /**
     * Uploads several files, in parallel where the store can, each verified. When one fails, the others
     * already stored stay (callers publish a manifest only after every file succeeded).
     *
     * @param files key to local file
     */
    List<StoredObject> putAll(Map<String, Path> files);

    /** Downloads {@code key} into {@code target} (replaced), verified; NOT_FOUND when absent. */
    StoredObject get(String key, Path target);

    /** The object's size (and SHA-256 when recorded), or empty when there is no such object. */
    Optional<StoredObject> stat(String key);

    /** Every object whose key starts with {@code prefix} ("" for all), sorted by key. */
    List<StoredObject> list(String prefix);

    /** Deletes these keys; absent keys are ignored. */
    void delete(Collection<String> keys);

    /** The content of a small object (a manifest, a pointer), or empty when there is none. */
    Optional<byte[]> read(String key);

    /**
     * Stores a small object atomically, verified: like {@link #put}, or by the server's check of the body against its
     * {@code Content-MD5} and an answer that names the MD5 sent.
     */
    void write(String key, byte[] content);

    /** Checks that the root can be reached and listed; throws the classified failure when not. */
    void checkAccess();

    /** {@code local} or {@code sdk} (S3 through the AWS SDK). */
    String path();

    /** Validates a key: relative, {@code /}-separated, without {@code ..} or {@code .} segments. */
    static String checkKey(String key) {
        if (key == null
                || key.isEmpty()
                || key.startsWith("/")
                || key.contains("\\")
                || ("/" + key + "/").contains("/../")
                || ("/" + key + "/").contains("/./")) {
            throw new IllegalArgumentException(
                    "invalid object key \"" + key + "\": use a relative path like a/b.parquet");
        }
        return key;
    }

    /**
     * As {@link #checkKey}, and without empty segments either: for a path read from a manifest or pointer,
     * which names one file (S3 keeps {@code a//b} apart from {@code a/b}, a local path does not, and some servers
     * refuse its signature). Keys listed from a bucket may end in {@code /} (a folder marker) and are not
     * checked this way.
     */
    static String checkFileKey(String key) {
        checkKey(key);
        if (key.endsWith("/") || key.contains("//")) {
            throw new IllegalArgumentException(
                    "invalid object key \"" + key + "\": use a relative path like a/b.parquet");
        }
        return key;
    }
}
