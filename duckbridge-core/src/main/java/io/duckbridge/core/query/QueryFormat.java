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
     * The format an HTTP {@code Accept} header asks for (RFC 9110, 12.5.1): each format takes the quality of the
     * most specific range that matches it ({@code text/csv} over {@code text/*} over {@code *}{@code /*}), and
     * the format with the highest quality above 0 wins; a tie goes to the range listed first, then to JSON.
     * {@code application/parquet} and {@code application/x-parquet} are taken as Parquet.
     *
     * @return the format (JSON for a missing or blank header), or null when the header accepts nothing
     *     Duckbridge can produce
     */
    public static QueryFormat fromAccept(String accept) {
        if (accept == null || accept.isBlank()) {
            return JSON;
        }
        String[] ranges = accept.split(",");
        QueryFormat chosen = null;
        double chosenQ = 0;
        int chosenAt = Integer.MAX_VALUE;
        for (QueryFormat f : values()) {
            int specificity = -1;
            double q = 0;
            int at = Integer.MAX_VALUE;
            for (int i = 0; i < ranges.length; i++) {
                String[] parts = ranges[i].split(";");
                int match = f.matches(parts[0].strip().toLowerCase(Locale.ROOT));
                if (match > specificity) {
                    specificity = match;
                    q = quality(parts);
                    at = i;
                }
            }
            if (specificity >= 0 && q > 0 && (q > chosenQ || (q == chosenQ && at < chosenAt))) {
                chosen = f;
                chosenQ = q;
                chosenAt = at;
            }
        }
        return chosen;
    }

    /** How specifically {@code range} names this format: 2 exactly, 1 by its type, 0 by {@code *}{@code /*}, else -1. */
    private int matches(String range) {
        if (range.equals(mediaType)
                || (this == PARQUET
                        && (range.equals("application/parquet") || range.equals("application/x-parquet")))) {
            return 2;
        }
        if (range.endsWith("/*") && mediaType.startsWith(range.substring(0, range.length() - 1))) {
            return 1;
        }
        return range.equals("*/*") || range.equals("*") ? 0 : -1;
    }

    /** The {@code q} parameter of a range (1 when absent or unreadable). */
    private static double quality(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                try {
                    return Math.max(
                            0, Math.min(1, Double.parseDouble(p.substring(2).strip())));
                } catch (NumberFormatException e) {
                    return 1;
                }
            }
        }
        return 1;
    }
}
