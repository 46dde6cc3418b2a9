package io.duckbridge.core.jobs;

/** What a long-running job does; the lower-case name is the {@code kind} in the HTTP contract. */
public enum JobKind {
    SYNC("rows"),
    EXPORT("percent"), // the COPY first (DuckDB's estimate), then the published bytes
    IMPORT("bytes"),
    BACKUP("bytes"),
    RESTORE("bytes"),
    OPTIMIZE("tables");

    private final String unit;

    JobKind(String unit) {
        this.unit = unit;
    }

    /** The unit its progress counts in, also before the job has set its total. */
    public String unit() {
        return unit;
    }

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
