package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.ChunkColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.duckdb.DuckDBDataChunkWriter;
import org.duckdb.DuckDBFunctions;
import org.duckdb.DuckDBTableFunction;
import org.duckdb.DuckDBTableFunctionBindInfo;
import org.duckdb.DuckDBTableFunctionCallInfo;
import org.duckdb.DuckDBTableFunctionInitInfo;
import org.duckdb.DuckDBWritableVector;

/**
 * Binary-format COPY streams offered to DuckDB as the rows of the table function {@value #FUNCTION}: the
 * snapshot copier runs {@code INSERT INTO staging SELECT <casts> FROM duckbridge_copy_source('<token>')} and
 * DuckDB pulls the rows a chunk (2,048 rows) at a time, each field decoded from PostgreSQL's binary form
 * straight into DuckDB's vectors by its {@link ChunkColumn}. This replaces the JDBC appender, whose
 * per-2,048-row flush dominated the CPU of a sync.
 *
 * <p>A source may run on several DuckDB threads at once ({@code max_threads} is the source's {@code threads}):
 * each thread gets a {@link Lane} of its own (DuckDB's local state) and asks {@link Streams} for one COPY after
 * another (for a snapshot: one ctid range after another, each lane on its own PostgreSQL connection joined to
 * the snapshot), so one {@code INSERT} keeps every DuckDB thread busy decoding — including the thread that runs
 * the {@code INSERT}, which otherwise spins while a DuckDB worker thread executes a single-threaded source.
 * DuckDB only runs the insert in parallel when the connection does not preserve insertion order; the staging
 * tables have no order to keep (a table's sort layout is applied when it replaces the live one).
 *
 * <p>The function is registered once per DuckDB database ({@link #register}); each load registers its source
 * under a random token in a process-wide registry for the duration of the {@code INSERT} only. An unknown
 * token fails the bind cleanly; user queries cannot call the function at all (the query guard rejects it).
 * An exception thrown while filling a chunk (CONVERSION, CANCELLED, a PostgreSQL I/O error) aborts the INSERT;
 * DuckDB only sees its text, so the source keeps the first one for the caller to rethrow ({@link #failure()}).
 * Cancellation checks the owner's interrupt flag (the owner is the thread running the INSERT, blocked until it
 * ends). The registry and the counters are thread-safe.
 */
final class CopySource implements AutoCloseable {
    /** The table function's name. */
    static final String FUNCTION = "duckbridge_copy_source";

    private static final Map<String, CopySource> ACTIVE = new ConcurrentHashMap<>();

    /** Where a source's COPY streams come from. */
    interface Streams {
        /**
         * The next COPY to read for {@code lane}, or null when none is left. Called concurrently from DuckDB's
         * threads, each with its own lane.
         */
        CopyBinaryReader next(Lane lane);
    }

    /** The state of one DuckDB thread reading the source: its current COPY and its decode buffers. */
    static final class Lane {
        /** The PostgreSQL connection {@link Streams} gave this lane, if any; owned by the streams. */
        Connection pg;

        private CopyBinaryReader reader;
        private final int[] starts;
        private final int[] lengths;
        private byte[][][] strings;

        private Lane(int width) {
            this.starts = new int[width];
            this.lengths = new int[width];
        }
    }

    private final String token = UUID.randomUUID().toString().replace("-", "");
    private final Streams streams;
    private final ChunkColumn[] columns;
    private final JobContext context;
    private final int threads;
    private final Thread owner;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    /**
     * @param threads how many DuckDB threads may read at once (at most one per COPY stream is useful)
     */
    CopySource(Streams streams, ChunkColumn[] columns, JobContext context, int threads) {
        this.streams = streams;
        this.columns = columns.clone();
        this.context = context;
        this.threads = Math.max(1, threads);
        this.owner = Thread.currentThread();
        ACTIVE.put(token, this);
    }

    /** The SQL naming this source, e.g. {@code duckbridge_copy_source('3f2a...')}. */
    String call() {
        return FUNCTION + "('" + token + "')";
    }

    /** The name of physical column {@code i} in the function's result. */
    static String columnName(int i) {
        return "c" + i;
    }

    /** Rows delivered to DuckDB so far. */
    long rows() {
        return rows.get();
    }

    /** Bytes of the COPY streams read to their end. */
    long bytes() {
        return bytes.get();
    }

    /** What made the first failing chunk fail, or null. */
    RuntimeException failure() {
        return failure.get();
    }

    @Override
    public void close() {
        ACTIVE.remove(token);
    }

    /**
     * Registers {@value #FUNCTION} in the DuckDB database of {@code connection} unless it is there already.
     * Registration is database-wide (DuckDB's system catalog), so every connection duplicated from the same
     * database can call it. Callers serialize calls per database (the writer lane).
     */
    static void register(Connection connection) throws SQLException {
        try (PreparedStatement st =
                connection.prepareStatement("SELECT count(*) FROM duckdb_functions() WHERE function_name = ?")) {
            st.setString(1, FUNCTION);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    return;
                }
            }
        }
        DuckDBFunctions.tableFunction()
                .withName(FUNCTION)
                .withParameter(String.class)
                .withFunction(new Function())
                .register(connection);
    }

    /** Fills one chunk from {@code lane}'s COPY streams; 0 once no stream is left. */
    private long fill(Lane lane, DuckDBDataChunkWriter out) {
        int capacity = (int) out.capacity();
        int width = columns.length;
        DuckDBWritableVector[] vectors = new DuckDBWritableVector[width];
        byte[][][] strings = lane.strings;
        if (strings == null || strings[0].length != capacity) {
            strings = new byte[width][capacity][];
            lane.strings = strings;
        }
        for (int c = 0; c < width; c++) {
            vectors[c] = out.vector(c);
        }
        int[] starts = lane.starts;
        int[] lengths = lane.lengths;
        int n = 0;
        while (n < capacity) {
            CopyBinaryReader reader = lane.reader;
            if (reader == null) {
                reader = streams.next(lane);
                if (reader == null) {
                    break;
                }
                lane.reader = reader;
            }
            if (!reader.next(starts, lengths)) {
                bytes.addAndGet(reader.bytes());
                lane.reader = null;
                continue;
            }
            byte[] buffer = reader.buffer();
            int base = reader.base();
            for (int c = 0; c < width; c++) {
                ChunkColumn column = columns[c];
                int length = lengths[c];
                if (column.varchar()) {
                    strings[c][n] = length < 0 ? null : column.utf8(buffer, base + starts[c], length);
                } else if (length < 0) {
                    vectors[c].setNull(n);
                } else {
                    column.write(vectors[c], n, buffer, base + starts[c], length);
                }
            }
            n++;
        }
        for (int c = 0; c < width; c++) {
            if (columns[c].varchar() && n > 0) {
                vectors[c].setStringUtf8Batch(0, n == capacity ? strings[c] : Arrays.copyOf(strings[c], n));
            }
        }
        rows.addAndGet(n);
        CopyIngester.progress(context, n, owner);
        return n;
    }

    /** The registered function: looks its source up by token and lets it fill chunks. */
    private static final class Function implements DuckDBTableFunction<CopySource, Object, Lane> {
        @Override
        public CopySource bind(DuckDBTableFunctionBindInfo info) {
            String token = info.getParameter(0).getString();
            CopySource source = token == null ? null : ACTIVE.get(token);
            if (source == null) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        FUNCTION + " is internal to Duckbridge's sync; no copy is running" + " under this token");
            }
            for (int i = 0; i < source.columns.length; i++) {
                info.addResultColumn(columnName(i), source.columns[i].physicalType());
            }
            return source;
        }

        @Override
        public Object init(DuckDBTableFunctionInitInfo info) {
            CopySource source = info.getBindData();
            info.setMaxThreads(source.threads);
            return Boolean.TRUE;
        }

        @Override
        public Lane localInit(DuckDBTableFunctionInitInfo info) {
            CopySource source = info.getBindData();
            return new Lane(source.columns.length);
        }

        @Override
        public long apply(DuckDBTableFunctionCallInfo info, DuckDBDataChunkWriter out) {
            CopySource source = info.getBindData();
            try {
                return source.fill(info.getLocalInitData(), out);
            } catch (RuntimeException e) {
                source.failure.compareAndSet(null, e);
                throw e;
            }
        }
    }
}
