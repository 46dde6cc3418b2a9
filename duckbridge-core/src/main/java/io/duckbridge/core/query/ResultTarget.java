package io.duckbridge.core.query;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where a result goes. {@link #open} is called once, just before the first byte, so a caller (the HTTP
 * layer) can still answer with an error status when the query fails before producing anything.
 */
@FunctionalInterface
public interface ResultTarget {
    /**
     * Returns the stream to write the result to, in {@code format}. The runner neither flushes nor closes
     * it; the caller does (a servlet container does so when the response completes).
     */
    OutputStream open(QueryFormat format) throws IOException;

    /** {@link #open(QueryFormat)} for the query {@code queryId} (as its record has it), for targets that show it. */
    default OutputStream open(QueryFormat format, String queryId) throws IOException {
        return open(format);
    }
}
