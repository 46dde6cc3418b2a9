package io.duckbridge.spring.security;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * The configured API keys, by hash. {@link #authenticate} hashes the presented key and compares it with every
 * configured hash in constant time, so neither the key nor which entry matched leaks through timing. Keys are
 * never stored or logged, only their SHA-256. Thread-safe (immutable).
 */
public final class ApiKeys {
    private final List<ApiKey> keys;
    private final List<byte[]> hashes;

    public ApiKeys(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
        var names = new HashSet<String>();
        var seenHashes = new HashSet<String>();
        for (ApiKey key : this.keys) {
            if (!names.add(key.name())) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "API key name \"" + key.name() + "\" is used twice; names must be unique");
            }
            if (!seenHashes.add(key.sha256())) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "API key \"" + key.name()
                                + "\" has the same sha256 as another key; give each client its own key");
            }
        }
        this.hashes = this.keys.stream().map(ApiKey::hashBytes).toList();
    }

    /** Keys from the properties plus the lines of {@code file} (may be null). */
    public static ApiKeys load(List<ApiKey> configured, Path file) {
        List<ApiKey> all = new ArrayList<>(configured);
        if (file != null) {
            all.addAll(readFile(file));
        }
        return new ApiKeys(all);
    }

    /**
     * Reads a key file: one key per line as {@code name sha256 role} separated by blanks or colons; blank lines
     * and lines starting with {@code #} are skipped.
     */
    static List<ApiKey> readFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.security.api-keys-file " + file + " cannot be read: " + e.getMessage(),
                    e);
        }
        List<ApiKey> keys = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "duckbridge.security.api-keys-file " + file + " line " + (i + 1);
            String[] fields = line.split("[\\s:]+");
            if (fields.length != 3) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        where + " is not \"name sha256 role\"; e.g. grafana 9f86d0...08 reader");
            }
            try {
                keys.add(new ApiKey(fields[0], fields[1], ApiKeyRole.parse(fields[2], where)));
            } catch (IllegalArgumentException e) {
                // the role's message already names the file and line
                String message = e.getMessage().startsWith(where) ? e.getMessage() : where + ": " + e.getMessage();
                throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, message, e);
            }
        }
        return keys;
    }

    /** Whether no key is configured. */
    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** How many keys are configured. */
    public int size() {
        return keys.size();
    }

    /** The key whose hash matches {@code presented}, if any. Every configured hash is compared. */
    public Optional<ApiKey> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = sha256(presented);
        ApiKey match = null;
        for (int i = 0; i < hashes.size(); i++) {
            if (MessageDigest.isEqual(hashes.get(i), hash) && match == null) {
                match = keys.get(i);
            }
        }
        return Optional.ofNullable(match);
    }

    /** The SHA-256 of the UTF-8 bytes of {@code key}, as lowercase hex: the value to configure. */
    public static String sha256Hex(String key) {
        return java.util.HexFormat.of().formatHex(sha256(key));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ApiKeys"
                + keys.stream()
                        .map(k -> k.name() + "(" + k.role().wireName() + ")")
                        .toList();
    }
}
