package io.duckbridge.core.query;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Encodes rows of a DuckDB result as they are read. One instance per query; not thread-safe. */
interface RowEncoder {
    /**
     * Writes up to {@code maxRows} rows of {@code rs} (all when negative) to {@code out}.
     *
     * @return the rows written and whether more were left
     */
    Written write(ResultSet rs, List<ResultColumn> columns, long maxRows, OutputStream out)
            throws SQLException, IOException;

    record Written(long rows, boolean truncated) {}
}
