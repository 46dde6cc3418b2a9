package io.duckbridge.core.lake;

import java.util.Objects;

/**
 * One object in an {@link ObjectStore}.
 *
 * @param key the key relative to the store's root, with {@code /} separators
 * @param sizeBytes the object's length
 * @param sha256 lower-case hex SHA-256 of the content, or null when the store does not know it (listings)
 */
public record StoredObject(String key, long sizeBytes, String sha256) {
    public StoredObject {
        Objects.requireNonNull(key, "key");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes is negative: " + sizeBytes);
        }
    }
}
