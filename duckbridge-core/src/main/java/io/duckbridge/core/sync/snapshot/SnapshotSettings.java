package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;

/**
 * How a snapshot copy runs. Immutable.
 *
 * @param workers parallel readers (each one PostgreSQL connection and one DuckDB appender), at least 1
 * @param rowsPerRange a table with more estimated rows than this is split into ctid ranges of about this
 *     many rows, read in parallel
 * @param binaryCopy whether rows are read with {@code COPY ... (FORMAT binary)} and decoded from PostgreSQL's
 *     binary representation (the default: PostgreSQL spends less CPU producing it), or with text-format COPY
 * @param ingest how binary-COPY rows enter DuckDB (text-format COPY always uses the appender)
 */
public record SnapshotSettings(int workers, long rowsPerRange, boolean binaryCopy, Ingest ingest) {
    /** How rows of a binary-format COPY are written into the staging table. */
    public enum Ingest {
        /**
         * A Java table function filling DuckDB vectors a chunk at a time, read by {@code INSERT ... SELECT}
         * (the default), for tables whose every column has a vector form; other tables use the appender.
         */
        TABLE_FUNCTION,
        /** The JDBC {@code DuckDBAppender}, one value at a time, for every table. */
        APPENDER
    }

    /** Binary COPY through the table function (the default). */
    public SnapshotSettings(int workers, long rowsPerRange) {
        this(workers, rowsPerRange, true);
    }

    /** Binary COPY through the table function, or text COPY through the appender. */
    public SnapshotSettings(int workers, long rowsPerRange, boolean binaryCopy) {
        this(workers, rowsPerRange, binaryCopy, Ingest.TABLE_FUNCTION);
    }

    public SnapshotSettings {
        if (ingest == null) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "the ingest path is missing; use TABLE_FUNCTION or APPENDER");
        }
        if (workers < 1 || workers > 64) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "duckbridge.sync.workers is " + workers + "; use 1 to 64");
        }
        if (rowsPerRange < 1000) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.sync.rows-per-range is " + rowsPerRange + "; use at least 1000");
        }
    }

    /** Workers from the number of cores (at least 2), ranges of 250,000 rows. */
    public static SnapshotSettings defaults() {
        return new SnapshotSettings(Math.max(2, Runtime.getRuntime().availableProcessors()), 250_000);
    }
}
