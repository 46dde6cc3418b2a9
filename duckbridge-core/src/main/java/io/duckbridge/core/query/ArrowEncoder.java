package io.duckbridge.core.query;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.duckdb.DuckDBResultSet;

/**
 * Arrow IPC stream taken from DuckDB's own Arrow export (the C data interface), batch by batch: rows are
 * never re-encoded one by one in Java. Needs {@code --add-opens=java.base/java.nio=ALL-UNNAMED} on JDK 17+.
 * Not thread-safe.
 */
final class ArrowEncoder implements RowEncoder {
    private final BufferAllocator allocator;
    private final int batchSize;

    ArrowEncoder(BufferAllocator allocator, int batchSize) {
        this.allocator = allocator;
        this.batchSize = batchSize;
    }

    @Override
    public Written write(ResultSet rs, List<ResultColumn> columns, long maxRows, OutputStream out)
            throws SQLException, IOException {
        DuckDBResultSet duck = rs.unwrap(DuckDBResultSet.class);
        try (BufferAllocator child = allocator.newChildAllocator("query", 0, Long.MAX_VALUE);
                ArrowReader reader = (ArrowReader) duck.arrowExportStream(child, batchSize)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            long rows = 0;
            boolean truncated = false;
            // the writer's close ends the stream (one more write) before it frees its copies of the dictionaries
            // (an ENUM column's): after the connection failed that write failed too and the copies leaked, so
            // once a write has failed the rest are dropped
            try (ArrowStreamWriter writer =
                    new ArrowStreamWriter(root, reader, Channels.newChannel(new UntilFailure(out)))) {
                writer.start();
                while (reader.loadNextBatch()) {
                    int count = root.getRowCount();
                    if (maxRows >= 0 && rows + count > maxRows) {
                        root.setRowCount((int) (maxRows - rows));
                        truncated = true;
                    }
                    if (root.getRowCount() > 0) {
                        writer.writeBatch();
                        rows += root.getRowCount();
                    }
                    if (truncated) {
                        break;
                    }
                }
                writer.end();
            }
            return new Written(rows, truncated);
        }
    }

    /** Passes writes on until one fails; after that, drops them. */
    private static final class UntilFailure extends java.io.FilterOutputStream {
        private boolean failed;

        UntilFailure(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (failed) {
                return;
            }
            try {
                out.write(b, off, len);
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }
    }
}
