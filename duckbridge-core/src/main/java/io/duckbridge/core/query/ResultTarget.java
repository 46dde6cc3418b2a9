package io.duckbridge.core.query;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where a result goes. {@link #open} is called once, just before the first byte, so a caller (the HTTP
 * layer) can still answer with an error status when the query fails before producing anything.
 */
@FunctionalInterface
public interface ResultTarget {
    /** Returns the stream to write the result to, in {@code format}; the runner does not close it. */
    OutputStream open(QueryFormat format) throws IOException;
}
