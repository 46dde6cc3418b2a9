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
import org.duckdb.DuckDBDataChunkWriter;
import org.duckdb.DuckDBFunctions;
import org.duckdb.DuckDBTableFunction;
import org.duckdb.DuckDBTableFunctionBindInfo;
import org.duckdb.DuckDBTableFunctionCallInfo;
import org.duckdb.DuckDBTableFunctionInitInfo;
import org.duckdb.DuckDBWritableVector;

/**
 * One binary-format COPY stream offered to DuckDB as the rows of the table function {@value #FUNCTION}: the
 * snapshot copier runs {@code INSERT INTO staging SELECT <casts> FROM duckbridge_copy_source('<token>')} and
 * DuckDB pulls the rows a chunk (2,048 rows) at a time, each field decoded from PostgreSQL's binary form
 * straight into DuckDB's vectors by its {@link ChunkColumn}. This replaces the JDBC appender, whose
 * per-2,048-row flush dominated the CPU of a sync.
 *
 * <p>The function is registered once per DuckDB database ({@link #register}); each load registers its source
 * under a random token in a process-wide registry for the duration of the {@code INSERT} only. An unknown
 * token fails the bind cleanly; user queries cannot call the function at all (the query guard rejects it).
 * An exception thrown while filling a chunk (CONVERSION, CANCELLED, a PostgreSQL I/O error) aborts the INSERT;
 * DuckDB only sees its text, so the source keeps the original for the caller to rethrow ({@link #failure()}).
 *
 * <p>A source is used by one INSERT: DuckDB calls it from one thread at a time ({@code max_threads} 1), which
 * may be one of DuckDB's worker threads rather than the owner (the thread running the INSERT, blocked until
 * it ends); the COPY's PostgreSQL connection is then read from that thread. Cancellation checks the owner's
 * interrupt flag. The registry is thread-safe.
 */
final class CopySource implements AutoCloseable {
    /** The table function's name. */
    static final String FUNCTION = "duckbridge_copy_source";

    private static final Map<String, CopySource> ACTIVE = new ConcurrentHashMap<>();

    private final String token = UUID.randomUUID().toString().replace("-", "");
    private final CopyBinaryReader reader;
    private final ChunkColumn[] columns;
    private final JobContext context;
    private final Thread owner;
    private final int[] starts;
    private final int[] lengths;
    private byte[][][] strings;
    private volatile long rows; // written by the thread DuckDB calls apply on, read by the owner
    private volatile RuntimeException failure;

    CopySource(CopyBinaryReader reader, ChunkColumn[] columns, JobContext context) {
        this.reader = reader;
        this.columns = columns.clone();
        this.context = context;
        this.owner = Thread.currentThread();
        this.starts = new int[columns.length];
        this.lengths = new int[columns.length];
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
        return rows;
    }

    /** What made the last chunk fail, or null. */
    RuntimeException failure() {
        return failure;
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

    /** Fills one chunk; 0 once the COPY has ended. */
    private long fill(DuckDBDataChunkWriter out) {
        int capacity = (int) out.capacity();
        int width = columns.length;
        DuckDBWritableVector[] vectors = new DuckDBWritableVector[width];
        if (strings == null || strings[0].length != capacity) {
            strings = new byte[width][capacity][];
        }
        for (int c = 0; c < width; c++) {
            vectors[c] = out.vector(c);
        }
        int n = 0;
        while (n < capacity && reader.next(starts, lengths)) {
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
        rows += n;
        CopyIngester.progress(context, n, owner);
        return n;
    }

    /** The registered function: looks its source up by token and lets it fill chunks. */
    private static final class Function implements DuckDBTableFunction<CopySource, Object, Object> {
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
            info.setMaxThreads(1);
            return Boolean.TRUE;
        }

        @Override
        public long apply(DuckDBTableFunctionCallInfo info, DuckDBDataChunkWriter out) {
            CopySource source = info.getBindData();
            try {
                return source.fill(out);
            } catch (RuntimeException e) {
                source.failure = e;
                throw e;
            }
        }
    }
}
