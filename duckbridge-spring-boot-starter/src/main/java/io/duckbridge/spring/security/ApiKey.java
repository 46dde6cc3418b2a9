package io.duckbridge.spring.security;

import java.util.HexFormat;
import java.util.Locale;

/**
 * One configured API key: a name for logs, the SHA-256 of the key (never the key itself) and its role.
 * Thread-safe (immutable).
 *
 * @param name a label that appears in logs instead of the key, e.g. {@code grafana}
 * @param sha256 the lowercase hex SHA-256 of the key's UTF-8 bytes ({@code printf %s KEY | sha256sum})
 * @param role what the key may do
 */
public record ApiKey(String name, String sha256, ApiKeyRole role) {
    public ApiKey {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an API key has no name; give each key a name such as grafana");
        }
        if (sha256 == null || !sha256.strip().matches("(?i)[0-9a-f]{64}")) {
            throw new IllegalArgumentException("API key \"" + name + "\" sha256 is not 64 hex digits;"
                    + " use the output of: printf %s \"$KEY\" | sha256sum");
        }
        sha256 = sha256.strip().toLowerCase(Locale.ROOT);
        if (role == null) {
            throw new IllegalArgumentException("API key \"" + name + "\" has no role; use reader or admin");
        }
    }

    /** The hash as bytes. */
    byte[] hashBytes() {
        return HexFormat.of().parseHex(sha256);
    }
}
