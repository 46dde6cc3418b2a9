package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.error.DuckDbErrors;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.ChunkColumn;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.PgErrors;
import io.duckbridge.core.schema.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Streams the rows of one {@code COPY (SELECT ...) TO STDOUT} from PostgreSQL into a DuckDB staging table:
 * text format with the DuckDB appender ({@link #append}: each CopyData message is one row, decoded by
 * {@link CopyTextDecoder}, converted column by column by {@link ColumnMapping} and appended), binary format
 * with the appender ({@link #appendBinary}) or through the ingest table function ({@link #appendVectors}). Staging tables
 * live in the DuckDB schema {@value #STAGING_SCHEMA} and are private to the load that made them.
 *
 * <p>Stateless; each call is confined to the calling thread and the two connections it is given (owned by
 * the caller).
 */
public final class CopyIngester {
    /** The DuckDB schema of staging tables. */
    public static final String STAGING_SCHEMA = "duckbridge_staging";

    private static final int PROGRESS_EVERY = 8192;

    private CopyIngester() {}

    /** Rows and bytes one COPY delivered. */
    public record Ingested(long rows, long bytes) {}

    /** The {@code SELECT} list reading {@code mappings} from PostgreSQL. */
    public static String selectList(List<ColumnMapping> mappings) {
        StringBuilder sb = new StringBuilder();
        for (ColumnMapping m : mappings) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(m.sourceExpression());
        }
        return sb.isEmpty() ? "NULL" : sb.toString();
    }

    /** The {@code SELECT} list reading {@code mappings} for {@code COPY ... (FORMAT binary)}. */
    public static String binarySelectList(List<ColumnMapping> mappings) {
        StringBuilder sb = new StringBuilder();
        for (ColumnMapping m : mappings) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(m.binarySourceExpression());
        }
        return sb.isEmpty() ? "NULL" : sb.toString();
    }

    /** {@code CREATE TABLE} for a staging table named {@code staging} (unquoted, in the staging schema). */
    public static String createStaging(String staging, List<ColumnMapping> mappings) {
        return createTable(new TableName(STAGING_SCHEMA, staging), mappings);
    }

    /** {@code CREATE TABLE} of {@code table} with the load types of {@code mappings}. */
    public static String createTable(TableName table, List<ColumnMapping> mappings) {
        StringBuilder sb = new StringBuilder("CREATE TABLE " + table.quoted() + " (");
        for (int i = 0; i < mappings.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(TableName.quote(mappings.get(i).name()))
                    .append(' ')
                    .append(mappings.get(i).loadType());
        }
        return sb.append(')').toString();
    }

    /**
     * Creates the staging table {@code staging} on {@code duck} and fills it from {@code copySql}.
     *
     * @param pg a PostgreSQL connection, already in the transaction/snapshot the rows must come from
     * @param copySql {@code COPY (SELECT <selectList> ...) TO STDOUT}
     * @throws DuckbridgeException classified from PostgreSQL's SQLSTATE or DuckDB's error type; CONVERSION for
     *     a value that overflows its column; CANCELLED when the job was cancelled
     */
    public static Ingested ingest(
            Connection pg,
            String copySql,
            List<ColumnMapping> mappings,
            DuckDBConnection duck,
            String staging,
            JobContext context) {
        try (Statement st = duck.createStatement()) {
            st.execute(createStaging(staging, mappings));
        } catch (SQLException e) {
            throw DuckDbErrors.wrap("creating staging table " + staging, e);
        }
        return append(pg, copySql, mappings, duck, new TableName(STAGING_SCHEMA, staging), context);
    }

    /**
     * Appends the rows of {@code copySql} to the existing table {@code target} (whose columns have the load
     * types of {@code mappings}). Several connections may append to the same table at once: DuckDB appends
     * never conflict.
     *
     * @throws DuckbridgeException as {@link #ingest}
     */
    public static Ingested append(
            Connection pg,
            String copySql,
            List<ColumnMapping> mappings,
            DuckDBConnection duck,
            TableName target,
            JobContext context) {
        String staging = target.toString();
        CopyOut copy = startCopy(pg, copySql);
        long rows = 0;
        long bytes = 0;
        int sinceProgress = 0;
        int width = mappings.size();
        ColumnMapping[] columns = mappings.toArray(ColumnMapping[]::new);
        int[] starts = new int[width];
        int[] ends = new int[width];
        boolean[] escaped = new boolean[width];
        try (DuckDBAppender appender = duck.createAppender(target.schema(), target.name())) {
            byte[] row;
            while ((row = readRow(copy)) != null) {
                bytes += row.length;
                CopyTextDecoder.split(row, starts, ends, escaped);
                appender.beginRow();
                for (int c = 0; c < width; c++) {
                    if (!escaped[c]) {
                        columns[c].appendUtf8(appender, row, starts[c], ends[c]);
                    } else {
                        String text = CopyTextDecoder.field(row, starts[c], ends[c]);
                        if (text == null) {
                            appender.appendNull();
                        } else {
                            columns[c].append(appender, columns[c].convert(text));
                        }
                    }
                }
                appender.endRow();
                rows++;
                if (++sinceProgress == PROGRESS_EVERY) {
                    sinceProgress = 0;
                    progress(context, PROGRESS_EVERY, Thread.currentThread());
                }
            }
            context.advance(sinceProgress);
            sinceProgress = 0;
        } catch (SQLException e) {
            // the rows appended since the last report count too: a failure says how far the copy got
            context.advance(sinceProgress);
            cancel(copy);
            throw DuckDbErrors.wrap("appending to staging table " + staging + " after " + rows + " rows", e);
        } catch (RuntimeException e) {
            context.advance(sinceProgress);
            cancel(copy);
            throw e;
        }
        return new Ingested(rows, bytes);
    }

    /**
     * Appends the rows of {@code copySql}, a {@code COPY (SELECT <binarySelectList> ...) TO STDOUT (FORMAT
     * binary)}, to the existing table {@code target}: each field is decoded from PostgreSQL's binary
     * representation straight into the appender ({@link ColumnMapping#appendBinary}), without a String or boxed
     * value for numbers, dates and timestamps.
     *
     * @throws DuckbridgeException as {@link #ingest}
     */
    public static Ingested appendBinary(
            Connection pg,
            String copySql,
            List<ColumnMapping> mappings,
            DuckDBConnection duck,
            TableName target,
            JobContext context) {
        CopyOut copy = startCopy(pg, copySql);
        long rows = 0;
        int sinceProgress = 0;
        int width = mappings.size();
        ColumnMapping[] columns = mappings.toArray(ColumnMapping[]::new);
        int[] starts = new int[width];
        int[] lengths = new int[width];
        CopyBinaryReader reader = new CopyBinaryReader(copy);
        try (DuckDBAppender appender = duck.createAppender(target.schema(), target.name())) {
            while (reader.next(starts, lengths)) {
                byte[] buffer = reader.buffer();
                int base = reader.base();
                appender.beginRow();
                for (int c = 0; c < width; c++) {
                    int length = lengths[c];
                    if (length < 0) {
                        appender.appendNull();
                    } else {
                        columns[c].appendBinary(appender, buffer, base + starts[c], length);
                    }
                }
                appender.endRow();
                rows++;
                if (++sinceProgress == PROGRESS_EVERY) {
                    sinceProgress = 0;
                    progress(context, PROGRESS_EVERY, Thread.currentThread());
                }
            }
            context.advance(sinceProgress);
            sinceProgress = 0;
        } catch (SQLException e) {
            // the rows appended since the last report count too: a failure says how far the copy got
            context.advance(sinceProgress);
            cancel(copy);
            throw DuckDbErrors.wrap("appending to " + target + " after " + rows + " rows", e);
        } catch (RuntimeException e) {
            context.advance(sinceProgress);
            cancel(copy);
            throw e;
        }
        return new Ingested(rows, reader.bytes());
    }

    /**
     * Whether {@link #appendVectors} can load a table with these columns: every column has a
     * {@link ChunkColumn} (and there is at least one column).
     */
    public static boolean vectorsCover(List<ColumnMapping> mappings) {
        return !mappings.isEmpty() && mappings.stream().allMatch(m -> m.chunkColumn() != null);
    }

    /**
     * Appends the rows of several {@code COPY (SELECT <binarySelectList> ...) TO STDOUT (FORMAT binary)} streams to
     * the existing table {@code target} through the table function {@value CopySource#FUNCTION} ({@code INSERT INTO
     * target SELECT <casts> FROM duckbridge_copy_source(token)}), which decodes each field into DuckDB's vectors a
     * chunk at a time: same rows, lossy counts and failures as {@link #appendBinary}, at a third of its CPU. The
     * one {@code INSERT} is read by up to {@code threads} DuckDB threads at once, each taking the next stream from
     * {@code streams} when its current one ends (see {@link CopySource}); {@code duck} should not preserve
     * insertion order, or DuckDB reads the source on one thread. Requires {@link #vectorsCover} and the function
     * registered in {@code duck}'s database ({@link CopySource#register}).
     *
     * @throws DuckbridgeException as {@link #ingest}: an exception raised while decoding (CONVERSION, CANCELLED,
     *     PostgreSQL's error) is rethrown as it was raised. The caller then closes the connections {@code streams}
     *     opened, which ends their COPYs, and rolls {@code duck}'s transaction back, which leaves nothing of them
     */
    static Ingested appendVectors(
            CopySource.Streams streams,
            int threads,
            List<ColumnMapping> mappings,
            DuckDBConnection duck,
            TableName target,
            JobContext context) {
        try (CopySource source = new CopySource(streams, chunkColumns(mappings), context, threads);
                Statement st = duck.createStatement()) {
            try {
                st.execute(insertSql(target, mappings, source));
            } catch (SQLException e) {
                if (source.failure() != null) {
                    throw source.failure();
                }
                throw DuckDbErrors.wrap("inserting into " + target + " after " + source.rows() + " rows", e);
            }
            return new Ingested(source.rows(), source.bytes());
        } catch (SQLException e) {
            throw DuckDbErrors.wrap("inserting into " + target, e);
        }
    }

    private static ChunkColumn[] chunkColumns(List<ColumnMapping> mappings) {
        ChunkColumn[] columns = new ChunkColumn[mappings.size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = mappings.get(i).chunkColumn();
            if (columns[i] == null) {
                throw new IllegalArgumentException("column " + mappings.get(i) + " has no vector form");
            }
        }
        return columns;
    }

    /** {@code INSERT INTO target (columns) SELECT <casts from the physical columns> FROM <source>}. */
    private static String insertSql(TableName target, List<ColumnMapping> mappings, CopySource source) {
        StringBuilder names = new StringBuilder();
        StringBuilder select = new StringBuilder();
        for (int i = 0; i < mappings.size(); i++) {
            if (i > 0) {
                names.append(", ");
                select.append(", ");
            }
            names.append(TableName.quote(mappings.get(i).name()));
            select.append(mappings.get(i).chunkColumn().selectExpression(CopySource.columnName(i)));
        }
        return "INSERT INTO " + target.quoted() + " (" + names + ") SELECT " + select + " FROM " + source.call();
    }

    /** Starts {@code copySql} on {@code pg}; PostgreSQL's refusal is classified by its SQLSTATE. */
    static CopyOut startCopy(Connection pg, String copySql) {
        try {
            return pg.unwrap(PGConnection.class).getCopyAPI().copyOut(copySql);
        } catch (SQLException e) {
            throw PgErrors.wrap("starting " + copySql, e);
        }
    }

    /**
     * Reports {@code rows} more copied rows, and stops the copy with CANCELLED when its job was cancelled or
     * {@code worker} (the thread the copy runs for) was interrupted.
     */
    static void progress(JobContext context, long rows, Thread worker) {
        context.advance(rows);
        context.checkCancelled();
        if (worker.isInterrupted()) {
            throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted while copying");
        }
    }

    private static byte[] readRow(CopyOut copy) {
        try {
            return copy.readFromCopy();
        } catch (SQLException e) {
            throw PgErrors.wrap("reading COPY data", e);
        }
    }

    private static void cancel(CopyOut copy) {
        try {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        } catch (SQLException ignored) {
            // the connection is broken or the copy ended; the caller discards the connection either way
        }
    }
}
