package io.duckbridge.core.backup;

import static io.duckbridge.core.backup.ContentSummary.literal;
import static io.duckbridge.core.backup.ContentSummary.quote;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.LeftoverTables;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.files.FileSync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.duckdb.DuckDBConnection;

/**
 * Puts a validated, decompressed backup in place of the live contents.
 *
 * <p>Online, staged (the usual case): outside the writer lane, on a reader connection, every table of the
 * restored file is renamed there to a private staging name, created under that name in the live database
 * from DuckDB's own {@code CREATE TABLE} text for it (columns, defaults, NOT NULL, CHECK and key
 * constraints) and filled with {@code INSERT ... SELECT}. Then one short lane transaction drops every
 * other user object of the live database, renames the staging tables to their real names and recreates
 * the backup's views. Writes wait only for that step, not for the copy.
 *
 * <p>Online, in one step (the fallback, when the backup has user types, sequences, indexes, macros or
 * foreign keys, whose names or dependencies a staging copy cannot carry, and when staging or the staged
 * swap fails; the scratch copy is left whole for it): the restored file is attached
 * read-only on the writer lane and, inside one lane transaction, every schema, table, view, sequence,
 * macro and type of the live database is dropped and {@code COPY FROM DATABASE} recreates them; writes
 * wait for the whole copy.
 *
 * <p>Either way readers keep running and see the old contents until the commit, the new ones after. The
 * engine keeps its file and connections, so nothing else has to reopen.
 *
 * <p>Offline: the restored file replaces the database file (its stale WAL removed) with an atomic rename.
 * Stateless.
 */
final class BackupRestorer {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BackupRestorer.class);

    private BackupRestorer() {}

    /** Prefix of the tables a staged restore copies into the live database before its swap. */
    static final String STAGING_PREFIX = "__duckbridge_restore_";

    /** What an online restore did: how long writes waited, and whether the copy was staged outside the lane. */
    record Swap(long writePauseMillis, boolean staged) {}

    /** One table copied into the live database under a staging name. */
    private record StagedTable(String schema, String staging, String name) {}

    /** The tables staged in the live database, the backup's schemas and its views (dependencies first). */
    private record Staged(
            String database, String run, List<StagedTable> tables, List<String> schemas, List<String> views) {}

    /**
     * Replaces the live contents with the DuckDB file {@code restored} (a validated scratch copy, which this
     * may change). Returns how long writes waited.
     */
    static Swap swapOnline(DuckDbEngine engine, Path restored, String id) {
        String run = LeftoverTables.newRunId();
        String alias = "duckbridge_restore_" + id.toLowerCase(Locale.ROOT).replace('-', '_') + "_" + run;
        Staged attempt;
        AtomicBoolean stagingStarted = new AtomicBoolean();
        CompletableFuture<Void> stagingEnded = new CompletableFuture<>();
        try {
            attempt = engine.read(null, session -> {
                stagingStarted.set(true);
                try {
                    return stage(session, restored, alias, run);
                } finally {
                    stagingEnded.complete(null);
                }
            });
        } catch (DuckbridgeException e) {
            // a cancel returns here at once, while the cancelled copy may still be ending on its reader
            dropRun(engine, run, stagingStarted.get() ? stagingEnded : CompletableFuture.completedFuture(null));
            if (e.errorClass() == ErrorClass.CANCELLED) {
                throw e;
            }
            // the staging copy cleaned up after itself and left the scratch copy whole
            log.warn("staging backup {} failed ({}); copying it on the writer lane", id, e.getMessage());
            attempt = null;
        }
        Staged staged = attempt;
        long started = System.nanoTime();
        boolean stagedSwap = staged != null;
        try {
            if (staged != null) {
                try {
                    engine.laneAsync(session -> {
                                swapStaged(session, staged);
                                return null;
                            })
                            .join();
                } catch (java.util.concurrent.CompletionException e) {
                    // nothing changed (the lane transaction rolled back): take the proven way instead
                    log.warn(
                            "restoring backup {} by swapping staged tables failed ({}); copying it on the writer lane",
                            id,
                            e.getCause() == null ? e.toString() : e.getCause().getMessage());
                    dropStaging(engine, staged);
                    stagedSwap = false;
                    started = System.nanoTime();
                }
            }
            if (!stagedSwap) {
                engine.laneAsync(session -> {
                            swap(session, restored, alias);
                            return null;
                        })
                        .join();
            }
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof DuckbridgeException d) {
                throw new DuckbridgeException(
                        d.errorClass(), "restoring backup " + id + " failed: " + d.getMessage(), d);
            }
            throw new DuckbridgeException(
                    ErrorClass.INTERNAL, "restoring backup " + id + " failed: " + e.getCause(), e);
        }
        long pause = Duration.ofNanos(System.nanoTime() - started).toMillis();
        engine.tryCheckpoint("after restoring backup " + id);
        return new Swap(pause, stagedSwap);
    }

    /**
     * Outside the lane: copies every table of {@code restored} into the live database under a staging name.
     * Returns null, having changed nothing in the live database, when the backup holds objects a staged
     * copy cannot carry.
     */
    private static Staged stage(ReadSession session, Path restored, String alias, String run) throws SQLException {
        DuckDBConnection c = session.connection();
        String database = ContentSummary.currentDatabase(c);
        execute(session, "ATTACH " + literal(restored.toString()) + " AS " + quote(alias));
        try {
            if (!stageable(c, alias)) {
                return null;
            }
            List<String> schemas = new ArrayList<>();
            for (String[] r : rows(
                    c,
                    "SELECT schema_name, schema_name FROM duckdb_schemas() WHERE database_name = ? AND NOT internal"
                            + " AND schema_name NOT IN ('main', 'information_schema', 'pg_catalog', '"
                            + ContentSummary.JOB_SCHEMA + "')",
                    alias)) {
                schemas.add(r[0]);
            }
            List<String> views = orderViews(c, alias);
            if (views == null) {
                return null;
            }
            List<String[]> tables = rows(
                    c,
                    // a job's staging table in an older backup is half-done work of a job long gone: not restored
                    "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary"
                            + " AND NOT " + ContentSummary.JOB_TABLE + " ORDER BY schema_name, table_name",
                    alias);
            for (String schema : schemas) {
                execute(session, "CREATE SCHEMA IF NOT EXISTS " + quote(database) + "." + quote(schema));
            }
            List<StagedTable> staged = new ArrayList<>();
            try {
                for (int i = 0; i < tables.size(); i++) {
                    if (session.cancelled()) {
                        throw new DuckbridgeException(ErrorClass.CANCELLED, "the restore was cancelled");
                    }
                    String schema = tables.get(i)[0];
                    String name = tables.get(i)[1];
                    String staging = STAGING_PREFIX + run + "_" + i;
                    // renamed in the scratch copy for a moment, so DuckDB's CREATE TABLE text names the staging
                    // table; renamed back so the copy stays whole for the lane copy should the swap fail
                    String inScratch = quote(alias) + "." + quote(schema) + ".";
                    execute(session, "ALTER TABLE " + inScratch + quote(name) + " RENAME TO " + quote(staging));
                    String create;
                    try {
                        create = single(
                                c,
                                "SELECT sql FROM duckdb_tables() WHERE database_name = ? AND schema_name = ?"
                                        + " AND table_name = ?",
                                alias,
                                schema,
                                staging);
                    } finally {
                        execute(session, "ALTER TABLE " + inScratch + quote(staging) + " RENAME TO " + quote(name));
                    }
                    execute(session, create);
                    staged.add(new StagedTable(schema, staging, name));
                    if (single(
                                    c,
                                    "SELECT count(*)::VARCHAR FROM duckdb_tables() WHERE database_name = ?"
                                            + " AND schema_name = ? AND table_name = ?",
                                    database,
                                    schema,
                                    staging)
                            .equals("0")) {
                        throw new DuckbridgeException(
                                ErrorClass.INTERNAL,
                                "the staging copy of " + schema + "." + name + " was not created where expected: "
                                        + create);
                    }
                    execute(
                            session,
                            "INSERT INTO " + quote(database) + "." + quote(schema) + "." + quote(staging)
                                    + " SELECT * FROM " + quote(alias) + "." + quote(schema) + "." + quote(name));
                }
            } catch (SQLException | RuntimeException e) {
                for (StagedTable t : staged) {
                    try {
                        execute(session, dropStagingSql(database, t));
                    } catch (SQLException drop) {
                        e.addSuppressed(drop);
                    }
                }
                throw e;
            }
            return new Staged(database, run, staged, schemas, views);
        } finally {
            execute(session, "DETACH " + quote(alias));
        }
    }

    /**
     * The backup's {@code CREATE VIEW} statements, each after the views it may select from (the file's own
     * order does not tell). A view is taken to depend on every other view whose name occurs in its text as
     * a word — an over-estimate that only adds ordering. Null when that leaves a cycle. Leaves the scratch
     * copy as it is.
     */
    private static List<String> orderViews(Connection c, String alias) throws SQLException {
        List<String[]> views = rows(
                c,
                "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = ? AND NOT internal"
                        + " AND NOT temporary ORDER BY schema_name, view_name",
                alias);
        List<String> ordered = new ArrayList<>();
        boolean[] placed = new boolean[views.size()];
        boolean progress = true;
        while (ordered.size() < views.size() && progress) {
            progress = false;
            for (int i = 0; i < views.size(); i++) {
                if (placed[i]) {
                    continue;
                }
                boolean ready = true;
                for (int j = 0; j < views.size() && ready; j++) {
                    ready = placed[j] || j == i || !mentions(views.get(i)[2], views.get(j)[1]);
                }
                if (ready) {
                    placed[i] = true;
                    ordered.add(views.get(i)[2]);
                    progress = true;
                }
            }
        }
        return ordered.size() == views.size() ? ordered : null;
    }

    /** Whether {@code name} occurs in {@code sql} as a word (case-insensitive). */
    static boolean mentions(String sql, String name) {
        String text = sql.toLowerCase(Locale.ROOT);
        String word = name.toLowerCase(Locale.ROOT);
        for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
            int end = at + word.length();
            boolean startsWord = at == 0 || !isIdentifierPart(text.charAt(at - 1));
            boolean endsWord = end == text.length() || !isIdentifierPart(text.charAt(end));
            if (startsWord && endsWord) {
                return true;
            }
        }
        return false;
    }

    private static boolean isIdentifierPart(char ch) {
        return Character.isLetterOrDigit(ch) || ch == '_' || ch == '$';
    }

    /** Whether every object of the backup can be staged: only schemas, tables and views. */
    private static boolean stageable(Connection c, String alias) throws SQLException {
        String count = single(
                c,
                "SELECT ((SELECT count(*) FROM duckdb_types() WHERE database_name = ? AND NOT internal)"
                        + " + (SELECT count(*) FROM duckdb_sequences() WHERE database_name = ?)"
                        + " + (SELECT count(*) FROM duckdb_indexes() WHERE database_name = ?)"
                        + " + (SELECT count(*) FROM duckdb_functions() WHERE database_name = ? AND NOT internal"
                        + "    AND function_type IN ('macro', 'table_macro'))"
                        + " + (SELECT count(*) FROM duckdb_constraints() WHERE database_name = ?"
                        + "    AND constraint_type = 'FOREIGN KEY'))::VARCHAR",
                alias,
                alias,
                alias,
                alias,
                alias);
        return count.equals("0");
    }

    /** On the lane: drops everything but the staged tables, renames them into place, recreates the views. */
    private static void swapStaged(ReadSession session, Staged staged) throws SQLException {
        DuckDBConnection c = session.connection();
        execute(session, "BEGIN TRANSACTION"); // in SQL: see rollback
        try {
            for (String statement : dropAllBut(c, staged)) {
                execute(session, statement);
            }
            for (StagedTable t : staged.tables()) {
                execute(
                        session,
                        "ALTER TABLE " + quote(staged.database()) + "." + quote(t.schema()) + "." + quote(t.staging())
                                + " RENAME TO " + quote(t.name()));
            }
            for (String view : staged.views()) {
                execute(session, view);
            }
            execute(session, "COMMIT");
        } catch (SQLException | RuntimeException e) {
            rollback(c, e);
            throw e;
        }
    }

    /**
     * Ends a backup's or a restore's transaction after {@code failure}, on a fresh statement (the driver may have closed the one
     * that failed), keeping the first error. The transactions are begun and ended in SQL rather than through the
     * driver's auto-commit switch: when a COMMIT fails (a full disk), DuckDB ends the transaction itself while the
     * driver would go on believing it open, hide the error behind a second COMMIT's "no transaction is active",
     * and leave the writer connection running later work without transactions.
     */
    static void rollback(Connection c, Exception failure) {
        try (Statement st = c.createStatement()) {
            st.execute("ROLLBACK");
        } catch (SQLException rollback) {
            failure.addSuppressed(rollback);
        }
    }

    /** DROP statements for every user object of the live database except this run's staged tables. */
    private static List<String> dropAllBut(Connection c, Staged staged) throws SQLException {
        String database = staged.database();
        String db = quote(database) + ".";
        String notSystem = " AND schema_name NOT IN ('information_schema', 'pg_catalog')";
        List<String> drops = new ArrayList<>();
        for (String[] r : rows(
                c,
                "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? AND NOT internal"
                        + " AND NOT temporary" + notSystem,
                database)) {
            drops.add("DROP VIEW IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT DISTINCT schema_name, function_name, function_type FROM duckdb_functions()"
                        + " WHERE database_name = ? AND NOT internal AND function_type IN ('macro', 'table_macro')"
                        + notSystem,
                database)) {
            drops.add("DROP MACRO " + ("table_macro".equals(r[2]) ? "TABLE " : "") + "IF EXISTS " + db + quote(r[0])
                    + "." + quote(r[1]));
        }
        // this run's staged tables, and the staging tables of jobs running meanwhile (a sync, an import), stay
        for (String[] r : rows(
                c,
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary"
                        + " AND NOT " + ContentSummary.JOB_TABLE + notSystem,
                database)) {
            drops.add("DROP TABLE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, sequence_name FROM duckdb_sequences() WHERE database_name = ?"
                        + " AND NOT temporary" + notSystem,
                database)) {
            drops.add("DROP SEQUENCE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, type_name FROM duckdb_types() WHERE database_name = ? AND NOT internal"
                        + notSystem,
                database)) {
            drops.add("DROP TYPE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, schema_name FROM duckdb_schemas() WHERE database_name = ? AND NOT internal"
                        + " AND schema_name <> 'main' AND NOT " + HOLDS_JOB_TABLES + notSystem,
                database,
                database)) {
            if (!staged.schemas().contains(r[0])) {
                drops.add("DROP SCHEMA IF EXISTS " + db + quote(r[0]) + " CASCADE");
            }
        }
        return drops;
    }

    private static void dropStaging(DuckDbEngine engine, Staged staged) {
        try {
            engine.write(session -> {
                for (StagedTable t : staged.tables()) {
                    execute(session, dropStagingSql(staged.database(), t));
                }
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("could not drop the staging tables of a failed restore: {}", e.getMessage());
        }
    }

    /**
     * Drops every table staged by restore {@code run}, once its staging copy has ended (waiting at most a minute),
     * through the writer lane. Runs with the thread's interrupt flag cleared (a cancelled restore's thread is
     * interrupted, and the clean-up must run all the same) and sets it again. Failures are logged: the tables
     * are dropped at the next start then.
     */
    private static void dropRun(DuckDbEngine engine, String run, CompletableFuture<Void> stagingEnded) {
        boolean interrupted = Thread.interrupted();
        try {
            try {
                stagingEnded.get(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException e) {
                log.warn("the staging copy of restore {} did not end within a minute; dropping its tables now", run);
            }
            String prefix = STAGING_PREFIX + run + "_";
            int dropped = engine.write(session -> {
                List<String[]> tables = rows(
                        session.connection(),
                        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
                                + " AND NOT temporary AND starts_with(table_name, ?)",
                        prefix);
                for (String[] t : tables) {
                    execute(session, "DROP TABLE IF EXISTS " + quote(t[0]) + "." + quote(t[1]));
                }
                return tables.size();
            });
            if (dropped > 0) {
                log.info("dropped {} staging table(s) of the restore that did not finish", dropped);
            }
        } catch (RuntimeException e) {
            log.warn("could not drop the staging tables of a restore that did not finish: {}", e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String dropStagingSql(String database, StagedTable t) {
        return "DROP TABLE IF EXISTS " + quote(database) + "." + quote(t.schema()) + "." + quote(t.staging());
    }

    private static String single(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("no row from " + sql);
                }
                return rs.getString(1);
            }
        }
    }

    private static void swap(ReadSession session, Path restored, String alias) throws SQLException {
        DuckDBConnection c = session.connection();
        String database = ContentSummary.currentDatabase(c);
        execute(session, "ATTACH " + literal(restored.toString()) + " AS " + quote(alias) + " (READ_ONLY)");
        try {
            for (int attempt = 1; ; attempt++) {
                execute(session, "BEGIN TRANSACTION"); // in SQL: see rollback
                try {
                    List<String> running = jobTables(c, database);
                    for (String statement : dropEverything(c, database)) {
                        execute(session, statement);
                    }
                    execute(session, "COPY FROM DATABASE " + quote(alias) + " TO " + quote(database));
                    // a job's staging table in an older backup is half-done work of a job long gone: not restored
                    for (String table : jobTables(c, database)) {
                        if (!running.contains(table)) {
                            execute(session, "DROP TABLE IF EXISTS " + table);
                        }
                    }
                    execute(session, "COMMIT");
                    return;
                } catch (SQLException e) {
                    rollback(c, e);
                    // a job that started meanwhile created its staging table in a schema this transaction drops
                    // (DuckDB refuses the commit as a conflict): the live database is as it was; seen again, that
                    // schema holds a job's table and is emptied instead of dropped
                    if (attempt >= 3
                            || io.duckbridge.core.error.DuckDbErrors.classify(e.getMessage())
                                    != io.duckbridge.core.error.ErrorClass.CONFLICT) {
                        throw e;
                    }
                    log.info(
                            "restore swap conflicted with a job that started meanwhile; trying again: {}",
                            e.getMessage());
                } catch (RuntimeException e) {
                    rollback(c, e);
                    throw e;
                }
            }
        } finally {
            execute(session, "DETACH " + quote(alias));
        }
    }

    /**
     * The condition on a catalog row's {@code schema_name} for a schema that holds a job's staging tables (or is the
     * jobs' staging schema): such a schema is emptied object by object, never dropped, so the tables stay. Takes the
     * database name as a parameter.
     */
    private static final String HOLDS_JOB_TABLES = "(schema_name = '" + ContentSummary.JOB_SCHEMA + "' OR schema_name"
            + " IN (SELECT schema_name FROM duckdb_tables() WHERE database_name = ? AND " + ContentSummary.JOB_TABLE
            + "))";

    /** The jobs' staging tables in {@code database}, quoted and qualified. */
    private static List<String> jobTables(Connection c, String database) throws SQLException {
        List<String> tables = new ArrayList<>();
        for (String[] r : rows(
                c,
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary AND "
                        + ContentSummary.JOB_TABLE,
                database)) {
            tables.add(quote(database) + "." + quote(r[0]) + "." + quote(r[1]));
        }
        return tables;
    }

    /**
     * DROP statements for every user object of {@code database}, dependants first, except the staging tables of
     * jobs running meanwhile (a sync, an import): the schemas that hold them, and {@code main}, are emptied object
     * by object, the others dropped whole.
     */
    private static List<String> dropEverything(Connection c, String database) throws SQLException {
        List<String> drops = new ArrayList<>();
        String db = quote(database) + ".";
        String emptied = " AND (schema_name = 'main' OR " + HOLDS_JOB_TABLES + ")";
        for (String[] r : rows(
                c,
                "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? AND NOT internal"
                        + " AND NOT temporary" + emptied,
                database,
                database)) {
            drops.add("DROP VIEW IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT DISTINCT schema_name, function_name, function_type FROM duckdb_functions()"
                        + " WHERE database_name = ? AND NOT internal AND function_type IN ('macro', 'table_macro')"
                        + emptied,
                database,
                database)) {
            drops.add("DROP MACRO " + ("table_macro".equals(r[2]) ? "TABLE " : "") + "IF EXISTS " + db + quote(r[0])
                    + "." + quote(r[1]));
        }
        List<String[]> tables = rows(
                c,
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary"
                        + " AND NOT " + ContentSummary.JOB_TABLE + emptied,
                database,
                database);
        for (String[] r : referencingFirst(c, database, tables)) {
            drops.add("DROP TABLE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, sequence_name FROM duckdb_sequences() WHERE database_name = ?"
                        + " AND NOT temporary" + emptied,
                database,
                database)) {
            drops.add("DROP SEQUENCE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, type_name FROM duckdb_types() WHERE database_name = ? AND NOT internal" + emptied,
                database,
                database)) {
            drops.add("DROP TYPE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, schema_name FROM duckdb_schemas() WHERE database_name = ? AND NOT internal"
                        + " AND schema_name <> 'main' AND NOT " + HOLDS_JOB_TABLES,
                database,
                database)) {
            drops.add("DROP SCHEMA IF EXISTS " + db + quote(r[0]) + " CASCADE");
        }
        return drops;
    }

    /**
     * {@code tables} ordered so that a table comes before the tables its foreign keys reference: DuckDB refuses to
     * drop a table another one references, CASCADE or not. Referenced tables are matched by name (DuckDB does not
     * report their schema), which can only add ordering; a cycle keeps the given order for what is left.
     */
    private static List<String[]> referencingFirst(Connection c, String database, List<String[]> tables)
            throws SQLException {
        List<String[]> references = rows(
                c,
                "SELECT table_name, referenced_table FROM duckdb_constraints() WHERE database_name = ?"
                        + " AND constraint_type = 'FOREIGN KEY'",
                database);
        if (references.isEmpty()) {
            return tables;
        }
        List<String[]> left = new ArrayList<>(tables);
        List<String[]> ordered = new ArrayList<>();
        while (!left.isEmpty()) {
            String[] next = left.stream()
                    .filter(t -> left.stream()
                            .noneMatch(other -> other != t
                                    && references.stream()
                                            .anyMatch(ref -> ref[0].equals(other[1]) && t[1].equals(ref[1]))))
                    .findFirst()
                    .orElse(left.getFirst());
            left.remove(next);
            ordered.add(next);
        }
        return ordered;
    }

    private static List<String[]> rows(Connection c, String sql, String... parameters) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    String[] row = new String[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /**
     * Offline: moves the validated file {@code restored} over {@code databaseFile}, which no process may
     * have open.
     *
     * @throws DuckbridgeException CONFLICT when another process holds {@code databaseFile}
     */
    static void replaceFile(Path restored, Path databaseFile) throws IOException {
        Path target = databaseFile.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            ensureNotOpen(target);
        }
        Path incoming = target.resolveSibling("." + target.getFileName() + ".restoring");
        Files.deleteIfExists(incoming);
        try {
            Files.move(restored, incoming, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileSystemException e) {
            Files.copy(restored, incoming, StandardCopyOption.REPLACE_EXISTING);
        }
        FileSync.file(incoming);
        // the old file's WAL belongs to the old file: replaying it onto the restored one would corrupt it
        Files.deleteIfExists(Path.of(target + ".wal"));
        Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        FileSync.directory(target.getParent());
    }

    private static void ensureNotOpen(Path target) {
        // opening takes DuckDB's file lock, which fails with a message naming the holder when a server has it
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + target)) {
            try (Statement st = c.createStatement()) {
                st.execute("CHECKPOINT");
            }
        } catch (SQLException e) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    "cannot restore over " + target + " while it is in use: " + e.getMessage()
                            + "; stop the server, or restore through it with --url",
                    e);
        }
    }

    private static void execute(ReadSession session, String sql) throws SQLException {
        try (Statement st = session.statement()) {
            st.execute(sql);
        }
    }
}
