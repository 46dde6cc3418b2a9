package io.duckbridge.core.query;

import java.util.Locale;

/** The encodings a query result can be streamed in, with their media types. */
public enum QueryFormat {
    /** {@code {"queryId","columns","rows","rowCount","truncated","elapsedMs"}}. */
    JSON("application/json"),
    /** One JSON object per row, keys = column names. */
    NDJSON("application/x-ndjson"),
    /** A header line, then RFC 4180 rows (CRLF, quotes doubled). */
    CSV("text/csv"),
    /** Arrow IPC stream, exported by DuckDB. */
    ARROW("application/vnd.apache.arrow.stream"),
    /** One Parquet file written by DuckDB. */
    PARQUET("application/vnd.apache.parquet");

    private final String mediaType;

    QueryFormat(String mediaType) {
        this.mediaType = mediaType;
    }

    public String mediaType() {
        return mediaType;
    }

    /**
     * The format an HTTP {@code Accept} header asks for: the first listed media type Duckbridge knows,
     * JSON for none, {@code *}{@code /*} or {@code application/*}.
     *
     * @return the format, or null when the header names only media types Duckbridge cannot produce
     */
    public static QueryFormat fromAccept(String accept) {
        if (accept == null || accept.isBlank()) {
            return JSON;
        }
        for (String part : accept.split(",")) {
            String type = part.split(";")[0].strip().toLowerCase(Locale.ROOT);
            for (QueryFormat f : values()) {
                if (f.mediaType.equals(type)) {
                    return f;
                }
            }
            if (type.equals("*/*") || type.equals("application/*")) {
                return JSON;
            }
            if (type.equals("application/parquet") || type.equals("application/x-parquet")) {
                return PARQUET;
            }
            if (type.equals("application/vnd.apache.arrow.file")) {
                continue;
            }
        }
        return null;
    }
}
