package io.duckbridge.core.jobs;

/** What a long-running job does; the lower-case name is the {@code kind} in the HTTP contract. */
public enum JobKind {
    SYNC,
    EXPORT,
    IMPORT,
    BACKUP,
    RESTORE,
    OPTIMIZE;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
