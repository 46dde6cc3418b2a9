package io.duckbridge.core.jobs;

/** What a long-running job does; the lower-case name is the {@code kind} in the HTTP contract. */
public enum JobKind {
    SYNC("rows"),
    EXPORT("percent"), // the COPY first (DuckDB's estimate), then the published bytes
    IMPORT("bytes"), // the files' size twice: fetched and checked, then loaded; all of it only once succeeded
    BACKUP("bytes"),
    RESTORE("bytes"), // the archive's size, then the database's three times: decompressed, compared, copied in
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
