package io.duckbridge.core.lake;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.query.TypeText;
import io.duckbridge.core.schema.TableName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.duckdb.DuckDBPreparedStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a table or query to Parquet with DuckDB's {@code COPY ... TO} into a local staging directory, then
 * publishes it atomically to a local directory or S3-compatible storage.
 *
 * <p>Layout under the target: each export is a version directory {@code v=<UTC timestamp>-<id>/} holding the
 * data files, then {@code _manifest.json} and {@code _SUCCESS}, written in that order after every file was
 * uploaded and verified; finally the pointer {@code _latest.json} (one atomic object write) switches readers to
 * the new version. A reader that follows the pointer never sees a half-written export. The replaced version
 * stays until the next export, for readers still on it; anything older, and any version an interrupted export
 * left without a pointer to it, is deleted at the start and end of the next export to that target.
 *
 * <p>For S3 targets with {@link S3Settings#uploadDuringCopy()} the upload overlaps the COPY: while DuckDB writes,
 * this thread sends every finished part of a large file ({@link GrowingFileUpload}). The same watch stops the
 * COPY when staging outgrows its limits.
 *
 * <p>The COPY runs on a reader connection (it only reads the database). Thread-safe; two exports to the same
 * target in this process are refused with CONFLICT.
 */
public final class ParquetExporter {
    /** The directory value DuckDB (like Hive) writes for a NULL partition value. */
    static final String HIVE_NULL = "__HIVE_DEFAULT_PARTITION__";

    private static final JsonMapper MANIFEST_JSON = JsonMapper.shared();
    private static final Logger log = LoggerFactory.getLogger(ParquetExporter.class);
    private static final DateTimeFormatter VERSION_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    /** How often the staging directory is looked at while DuckDB writes. */
    private static final long WATCH_INTERVAL_MS = 100;

    private final DuckDbEngine engine;
    private final LakeSettings settings;
    private final ObjectStores stores;
    private final ReadOnlyCheck queryCheck;
    private final Set<String> activeTargets = ConcurrentHashMap.newKeySet();
    private final Set<String> activeStaging = ConcurrentHashMap.newKeySet();

    public ParquetExporter(DuckDbEngine engine, LakeSettings settings, ObjectStores stores, ReadOnlyCheck queryCheck) {
        this.engine = engine;
        this.settings = settings;
        this.stores = stores;
        this.queryCheck = queryCheck == null ? ReadOnlyCheck.REFUSE_ALL : queryCheck;
    }

    /**
     * Runs the export and returns its result once the new version is published.
     *
     * @throws DuckbridgeException INVALID_REQUEST/BINDER for a bad request, CONFLICT when mode is error and the
     *     target holds data (or another export to it runs), PERMISSION/NOT_FOUND/SOURCE_UNAVAILABLE from the
     *     storage, IO when staging space runs out or verification fails, CANCELLED when the job is cancelled.
     *     On any failure nothing new is published and the previous version stays readable.
     */
    public ExportResult export(ExportRequest request, JobContext context) {
        String exportId = UUID.randomUUID().toString();
        LakeLocation location = request.location();
        String targetKey = location.toString();
        if (!activeTargets.add(targetKey)) {
            throw new DuckbridgeException(ErrorClass.CONFLICT, "another export to " + targetKey + " is running");
        }
        Path staging = settings.stagingDir().resolve("export-" + exportId);
        activeStaging.add(staging.getFileName().toString());
        long started = System.nanoTime();
        try {
            ObjectStore store = stores.open(location);
            String source = sourceQuery(request);
            store.checkAccess();
            refuseInsideAnotherExport(location);
            Optional<byte[]> pointerBytes = store.read(ExportManifest.POINTER);
            if (request.mode() == ExportMode.ERROR
                    && (pointerBytes.isPresent() || !store.list("").isEmpty())) {
                throw new DuckbridgeException(
                        ErrorClass.CONFLICT,
                        targetKey + " already holds data and mode is error; use mode overwrite or append");
            }
            Optional<ExportManifest.Pointer> pointer = pointerBytes.flatMap(ExportManifest::readPointer);
            if (pointerBytes.isPresent() && pointer.isEmpty()) {
                if (request.mode() != ExportMode.OVERWRITE) {
                    throw Publications.unreadablePointer(
                            store,
                            "an append cannot know what it extends; export with mode overwrite, which replaces the"
                                    + " pointer, or put the pointer right");
                }
                // overwrite replaces it, as it replaces a pointer to a version that is gone; the newest complete
                // version is kept as the previous one, for readers that may still be on it
                pointer = Publications.newestPublished(store);
                log.warn(
                        "the pointer {} cannot be read; this export replaces it{}",
                        store.uri(ExportManifest.POINTER),
                        pointer.map(p -> " and keeps " + p.version() + " as the previous version")
                                .orElse(""));
            }
            // manifests read by the clean-ups, by key: the one after publishing needs the same ones again
            Map<String, ExportManifest> manifests = new HashMap<>();
            Publications.removeUnreferenced(store, pointer, manifests);
            cleanStaleStaging();
            checkFreeSpace();
            context.checkCancelled();

            List<ExportManifest.Column> schema = describe(request, source);
            // the version an append extends, checked before anything is written or uploaded
            ExportManifest appendedTo = null;
            if (request.mode() == ExportMode.APPEND && pointer.isPresent()) {
                appendedTo = Publications.manifest(store, pointer.get(), manifests);
                checkAppendable(targetKey, appendedTo, request, schema);
            }
            String version = "v=" + VERSION_TIME.format(Instant.now()) + "-" + exportId.substring(0, 8);
            // files DuckDB is still writing, already being uploaded part by part (S3 only), by relative path
            Map<String, GrowingFileUpload> growing = new LinkedHashMap<>();
            long copyStarted = System.nanoTime();
            long copyMs;
            long inspectMs;
            long uploadMs;
            List<StagedFile> files;
            List<ExportManifest.File> published;
            ExportProgress progress = new ExportProgress(context);
            // the last bytes published are reported before the manifest and the pointer are written
            context.completeOnlyOnSuccess();
            try {
                Path written = copy(
                        request,
                        written(source, schema),
                        schema,
                        staging,
                        new Uploads(store, version, growing, progress::sent),
                        context,
                        progress);
                copyMs = (System.nanoTime() - copyStarted) / 1_000_000;
                context.checkCancelled();
                long inspectStarted = System.nanoTime();
                files = inspect(written, staging, growing.keySet());
                inspectMs = (System.nanoTime() - inspectStarted) / 1_000_000;
                long staged = files.stream().mapToLong(StagedFile::bytes).sum();
                if (settings.maxStagingBytes() != null && staged > settings.maxStagingBytes()) {
                    throw stagingLimit(staged);
                }
                progress.publishing(staged);
                long uploadStarted = System.nanoTime();
                published = upload(store, version, files, growing, context);
                uploadMs = (System.nanoTime() - uploadStarted) / 1_000_000;
            } catch (RuntimeException | Error e) {
                growing.values().forEach(GrowingFileUpload::abort);
                throw e;
            }
            long bytes = files.stream().mapToLong(StagedFile::bytes).sum();
            long rows = files.stream().mapToLong(StagedFile::rows).sum();
            context.checkCancelled();

            List<ExportManifest.File> all = new ArrayList<>();
            long totalRows = rows;
            long totalBytes = bytes;
            if (appendedTo != null) {
                all.addAll(appendedTo.files());
                totalRows += appendedTo.rows();
                totalBytes += appendedTo.bytes();
            }
            all.addAll(published);
            Map<String, Object> sourceInfo =
                    request.table() != null ? Map.of("table", request.table()) : Map.of("sql", request.sql());
            ExportManifest manifest = new ExportManifest(
                    1,
                    exportId,
                    version,
                    pointer.map(ExportManifest.Pointer::version).orElse(null),
                    Instant.now().toString(),
                    request.mode().name().toLowerCase(java.util.Locale.ROOT),
                    sourceInfo,
                    all,
                    totalRows,
                    totalBytes,
                    schema,
                    request.partitionBy(),
                    request.orderBy(),
                    request.compression(),
                    // the level applies to zstd only: for the other codecs there is none to record
                    request.compression().equals("zstd") ? request.compressionLevel() : null,
                    request.rowGroupSize(),
                    engine.duckdbVersion(),
                    request.table() == null ? null : syncState(request.table()));
            String manifestKey = version + "/" + ExportManifest.MANIFEST;
            long publishStarted = System.nanoTime();
            store.write(manifestKey, manifest.toJson());
            manifests.put(manifestKey, manifest);
            store.write(version + "/" + ExportManifest.SUCCESS, new byte[0]);
            ExportManifest.Pointer next = new ExportManifest.Pointer(
                    version,
                    manifestKey,
                    pointer.map(ExportManifest.Pointer::version).orElse(null),
                    Instant.now().toString());
            store.write(ExportManifest.POINTER, ExportManifest.toJson(next));
            long publishMs = (System.nanoTime() - publishStarted) / 1_000_000;
            try {
                Publications.removeReplaced(store, next, manifests);
            } catch (DuckbridgeException e) {
                log.warn(
                        "export {} is published; removing old versions failed and is retried next time: {}",
                        version,
                        e.getMessage());
            }
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            log.info(
                    "exported {} rows ({} bytes, {} files) to {} as {} in {} ms via {} (before the COPY {} ms, COPY {} ms,"
                            + " row counts and SHA-256 {} ms, publishing the files {} ms, manifest and pointer {} ms)",
                    rows,
                    bytes,
                    files.size(),
                    targetKey,
                    version,
                    elapsedMs,
                    store.path(),
                    (copyStarted - started) / 1_000_000,
                    copyMs,
                    inspectMs,
                    uploadMs,
                    publishMs);
            return new ExportResult(
                    exportId,
                    version,
                    store.uri(manifestKey),
                    store.uri(ExportManifest.POINTER),
                    published.stream().map(f -> store.uri(f.path())).toList(),
                    rows,
                    bytes,
                    totalRows,
                    store.path(),
                    elapsedMs);
        } finally {
            LocalObjectStore.deleteQuietly(staging);
            activeStaging.remove(staging.getFileName().toString());
            activeTargets.remove(targetKey);
        }
    }

    /**
     * Checks that DuckDB can bind what would be exported: the table or query (which the query check sees first,
     * see {@link ReadOnlyCheck}), its order and its partition columns (nothing runs but a {@code DESCRIBE}).
     *
     * @throws DuckbridgeException READ_ONLY_VIOLATION for a refused query, BINDER for an unknown table or column
     */
    void checkSource(ExportRequest request) {
        describe(request, sourceQuery(request));
    }

    /** Whether an export of this exporter holds {@code target} now (a second one would fail CONFLICT). */
    boolean exporting(LakeLocation target) {
        return activeTargets.contains(target.toString());
    }

    /** Checks, without a request to the store, that the target names a store this lake can open. */
    void checkTarget(ExportRequest request) {
        stores.open(request.location());
    }

    private String sourceQuery(ExportRequest request) {
        StringBuilder sql = new StringBuilder();
        if (request.table() != null) {
            sql.append("SELECT * FROM ").append(SqlNames.qualified("table", request.table()));
        } else {
            String checked = queryCheck.check(request.sql());
            sql.append("SELECT * FROM (").append(stripSemicolon(checked)).append(") AS export_source");
        }
        // a partitioned COPY does not keep the query's order inside its files (duckdb/duckdb#14349): there the
        // COPY's own ORDER_BY sorts each file (see copy)
        if (!request.orderBy().isEmpty() && request.partitionBy().isEmpty()) {
            sql.append(" ORDER BY ")
                    .append(request.orderBy().stream().map(SqlNames::orderTerm).collect(Collectors.joining(", ")));
        }
        return sql.toString();
    }

    private static String stripSemicolon(String sql) {
        String s = sql.strip();
        while (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        return s;
    }

    /**
     * What the COPY writes: {@code source}, with INTERVAL values (also inside lists and structs) as DuckDB's
     * interval text. Parquet's INTERVAL holds neither negative parts (DuckDB refuses to write {@code -1 day})
     * nor microseconds, and other engines hardly read it; the text keeps every interval, and the manifest
     * keeps the column's type, to which an import casts it back. HUGEINT and UHUGEINT (the type of {@code sum()}
     * of a BIGINT) as DECIMAL(38,0): DuckDB's Parquet writer makes them DOUBLE, which changed integers beyond 2^53;
     * a value of 39 digits fails the export with CONVERSION instead of arriving changed.
     */
    static String written(String source, List<ExportManifest.Column> schema) {
        List<String> replaced = new ArrayList<>();
        for (ExportManifest.Column c : schema) {
            String type = writtenType(c.type());
            if (!type.equals(c.type())) {
                String name = SqlNames.quote("column", c.name());
                replaced.add("CAST(" + name + " AS " + type + ") AS " + name);
            }
        }
        if (replaced.isEmpty()) {
            return source;
        }
        // a projection keeps the order of the rows below it
        return "SELECT * REPLACE (" + String.join(", ", replaced) + ") FROM (" + source + ") AS export_rows";
    }

    /**
     * CONFLICT when {@code location} lies inside another published export (below a directory with its
     * {@code _latest.json}, or inside one of its versions): a reader of that export globbing its files would see
     * this export's files as well.
     */
    private void refuseInsideAnotherExport(LakeLocation location) {
        String path = location.path();
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            LakeLocation ancestor = new LakeLocation(location.bucket(), path.substring(0, slash));
            ObjectStore outer = stores.open(ancestor);
            // a pointer marks an export even when it cannot be read
            if (outer.read(ExportManifest.POINTER).isPresent()
                    || outer.read(ExportManifest.MANIFEST).isPresent()) {
                throw new DuckbridgeException(
                        ErrorClass.CONFLICT,
                        "the target " + location + " is inside the export " + ancestor + "; export next to it, not into"
                                + " it (its readers would see these files as its own)");
            }
        }
    }

    /**
     * The COPY's {@code ORDER_BY} terms, which sort the rows inside each file DuckDB writes. They sort what
     * {@link #written} writes, so a column written in another type (INTERVAL as text) is cast back to its own
     * type for the sort.
     */
    private static String fileOrder(ExportRequest request, List<ExportManifest.Column> schema) {
        List<String> terms = new ArrayList<>();
        for (String term : request.orderBy()) {
            String sql = SqlNames.orderTerm(term);
            String column = SqlNames.orderColumn(term);
            String quoted = SqlNames.quote("orderBy", column);
            for (ExportManifest.Column c : schema) {
                if (c.name().equalsIgnoreCase(column) && !writtenType(c.type()).equals(c.type())) {
                    sql = "CAST(" + SqlNames.quote("orderBy", c.name()) + " AS " + c.type() + ")"
                            + sql.substring(quoted.length());
                    break;
                }
            }
            terms.add(sql);
        }
        return String.join(", ", terms);
    }

    /**
     * The type a column of DuckDB type {@code type} is written in (see {@link #written}): INTERVAL as VARCHAR and
     * HUGEINT/UHUGEINT as DECIMAL(38,0), alone or nested; read through {@link TypeText}, so a quoted field name or
     * ENUM label spelling one of them is left alone.
     */
    static String writtenType(String type) {
        return TypeText.map(type, name -> switch (name) {
            case "INTERVAL" -> "VARCHAR";
            case "HUGEINT", "UHUGEINT" -> "DECIMAL(38,0)";
            default -> null;
        });
    }

    /** The columns {@code source} yields; BINDER when a partition column is not one of them. */
    private List<ExportManifest.Column> describe(ExportRequest request, String source) {
        List<ExportManifest.Column> columns;
        try {
            columns = engine.read(session -> {
                List<ExportManifest.Column> out = new ArrayList<>();
                // a table's columns come from the table itself, so an unknown orderBy column is named below
                String described = request.table() != null
                        ? "SELECT * FROM " + SqlNames.qualified("table", request.table())
                        : source;
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("DESCRIBE " + described)) {
                    while (rs.next()) {
                        out.add(new ExportManifest.Column(rs.getString("column_name"), rs.getString("column_type")));
                    }
                }
                return out;
            });
        } catch (DuckbridgeException e) {
            if (request.table() != null
                    && "catalog".equals(io.duckbridge.core.error.DuckDbErrors.errorType(e.getMessage()))) {
                // DuckDB's own text names the DESCRIBE this runs and guesses at system views ("Did you mean
                // pg_sequences?"): say what the caller asked for instead
                throw new DuckbridgeException(
                        ErrorClass.BINDER,
                        "table \"" + request.table() + "\" does not exist in DuckDB; GET /api/v1/tables lists the"
                                + " tables (a PostgreSQL table is there after POST /api/v1/sync/{table})",
                        e);
            }
            throw e;
        }
        List<String> names = columns.stream().map(ExportManifest.Column::name).toList();
        for (String term : request.orderBy()) {
            String column = SqlNames.orderColumn(term);
            if (names.stream().noneMatch(column::equalsIgnoreCase)) {
                throw new DuckbridgeException(
                        ErrorClass.BINDER,
                        "orderBy column \"" + column + "\" is not a column of the export; it has " + names);
            }
        }
        for (String partition : request.partitionBy()) {
            if (!names.contains(partition)) {
                throw new DuckbridgeException(
                        ErrorClass.BINDER,
                        "partitionBy column \"" + partition + "\" is not a column of the export; it has " + names);
            }
        }
        return columns;
    }

    /**
     * Runs the COPY; returns the file or directory DuckDB wrote. While DuckDB writes, this thread watches the
     * staging directory every {@link #WATCH_INTERVAL_MS} ms: it stops the COPY with IO when the export outgrows
     * {@code max-staging-size} or the staging disk's free space falls below {@code min-free-staging-size}, and
     * lets {@code uploads} send the parts DuckDB has finished.
     */
    private Path copy(
            ExportRequest request,
            String source,
            List<ExportManifest.Column> schema,
            Path staging,
            Uploads uploads,
            JobContext context,
            ExportProgress progress) {
        try {
            Files.createDirectories(staging);
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.IO, "cannot create the staging directory " + staging + ": " + e, e);
        }
        boolean directory = !request.partitionBy().isEmpty() || request.fileSizeBytes() != null;
        Path out = directory ? staging.resolve("data") : staging.resolve("data_0.parquet");
        StringBuilder options = new StringBuilder("FORMAT parquet");
        options.append(", COMPRESSION ").append(request.compression());
        if (request.compression().equals("zstd")) {
            options.append(", COMPRESSION_LEVEL ").append(request.compressionLevel());
        }
        options.append(", ROW_GROUP_SIZE ").append(request.rowGroupSize());
        if (!request.partitionBy().isEmpty()) {
            options.append(", PARTITION_BY (")
                    .append(request.partitionBy().stream()
                            .map(c -> SqlNames.quote("partitionBy", c))
                            .collect(Collectors.joining(", ")))
                    .append(")");
        }
        if (!request.partitionBy().isEmpty() && !request.orderBy().isEmpty()) {
            options.append(", ORDER_BY (").append(fileOrder(request, schema)).append(")");
        }
        if (request.fileSizeBytes() != null) {
            options.append(", FILE_SIZE_BYTES ").append(request.fileSizeBytes());
        }
        if (directory) {
            options.append(", FILENAME_PATTERN 'data_{i}'");
        }
        String copy = "COPY (" + source + ") TO " + SqlNames.literal(out.toString()) + " (" + options + ")";
        // claimed by the COPY when it starts, or by stopCopy to keep it from starting
        AtomicBoolean claimed = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        // the COPY's statement, for DuckDB's progress estimate while it runs
        AtomicReference<DuckDBPreparedStatement> running = new AtomicReference<>();
        CompletableFuture<Void> copying = engine.readAsync(null, session -> {
            if (!claimed.compareAndSet(false, true)) {
                return null;
            }
            try (Statement st = session.statement()) {
                // the readers keep DuckDB's progress estimate (DuckDbEngine sets it up when it opens)
                running.set(st.unwrap(DuckDBPreparedStatement.class));
                try {
                    st.execute(copy);
                } finally {
                    running.set(null);
                }
            } finally {
                finished.countDown();
            }
            return null;
        });
        Path base = directory ? out : staging;
        StagingWatch watch = new StagingWatch(staging, base);
        while (true) {
            try {
                copying.get(WATCH_INTERVAL_MS, TimeUnit.MILLISECONDS);
                return out;
            } catch (TimeoutException e) {
                try {
                    context.checkCancelled();
                    watch.check(uploads);
                    progress.copied(estimate(running.get()));
                } catch (RuntimeException | Error failure) {
                    stopCopy(copying, claimed, finished);
                    throw failure;
                }
            } catch (InterruptedException e) {
                stopCopy(copying, claimed, finished);
                Thread.currentThread().interrupt();
                throw new DuckbridgeException(ErrorClass.CANCELLED, "the export was interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof DuckbridgeException d) {
                    throw new DuckbridgeException(d.errorClass(), d.getMessage(), d, d.position());
                }
                throw new DuckbridgeException(ErrorClass.INTERNAL, "the COPY failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** DuckDB's estimate of how far {@code statement}'s query is, in percent; -1 when there is none. */
    private static double estimate(DuckDBPreparedStatement statement) {
        if (statement == null) {
            return -1;
        }
        try {
            return statement.getQueryProgress().getPercentage();
        } catch (SQLException | RuntimeException e) {
            return -1; // the COPY ended meanwhile
        }
    }

    /**
     * Interrupts the COPY and waits (bounded by {@link #STOP_LIMIT}) until DuckDB has let go of the staged files, so
     * a cancelled export reports its end only once DuckDB's work has stopped. DuckDB takes an interrupt at its next
     * check only, and one that arrives before the COPY executes is lost: it is sent again every 200 ms until the
     * COPY has ended. The caller's interrupt (a cancelled job's) is set aside while waiting and restored after.
     */
    private static void stopCopy(CompletableFuture<Void> copying, AtomicBoolean claimed, CountDownLatch finished) {
        copying.cancel(true);
        if (claimed.compareAndSet(false, true)) {
            return; // it never started and now never will
        }
        boolean interrupted = Thread.interrupted();
        long started = System.nanoTime();
        boolean warned = false;
        try {
            while (!finished.await(200, TimeUnit.MILLISECONDS)) {
                copying.cancel(true); // the session's statements again (none once the COPY has ended)
                long waited = System.nanoTime() - started;
                if (!warned && waited > TimeUnit.SECONDS.toNanos(30)) {
                    log.warn("the interrupted COPY is still running after 30 s; waiting for DuckDB to stop it");
                    warned = true;
                }
                if (waited > STOP_LIMIT.toNanos()) {
                    log.warn(
                            "the interrupted COPY is still running after {}; its staging files are removed by the"
                                    + " next export",
                            STOP_LIMIT);
                    return;
                }
            }
        } catch (InterruptedException e) {
            interrupted = true; // asked again (a shutdown): stop waiting
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How long a stopped COPY is waited for before the export gives up on it. */
    private static final java.time.Duration STOP_LIMIT = java.time.Duration.ofMinutes(5);

    private DuckbridgeException stagingLimit(long staged) {
        return new DuckbridgeException(
                ErrorClass.IO,
                "the export staged " + staged + " bytes, more than the staging limit of " + settings.maxStagingBytes()
                        + " bytes (duckbridge.lake.max-staging-size); it was stopped and nothing was published");
    }

    /**
     * Where finished parts of growing files go: the S3 store and the new version, or nowhere for local targets;
     * {@code sent} is told the bytes of each part the store accepted.
     */
    private record Uploads(
            ObjectStore store, String version, Map<String, GrowingFileUpload> growing, LongConsumer sent) {}

    /**
     * An export's progress in two phases: the COPY in percent (DuckDB's own estimate of the query's progress),
     * then publishing in bytes. Parts sent while DuckDB still writes count towards the bytes. Thread-safe (part
     * uploads report from the part pool).
     */
    private static final class ExportProgress {
        private final JobContext context;
        private boolean copying = true;
        private int percent;
        private long sentWhileCopying;

        ExportProgress(JobContext context) {
            this.context = context;
            context.phase(100, "percent");
        }

        /** DuckDB's estimate, 0-100, or negative when it has none (yet). */
        synchronized void copied(double estimate) {
            int now = (int) Math.min(100, Math.floor(estimate));
            if (copying && now > percent) {
                context.advance(now - percent);
                percent = now;
            }
        }

        synchronized void sent(long bytes) {
            if (copying) {
                sentWhileCopying += bytes;
            } else {
                context.advance(bytes);
            }
        }

        synchronized void publishing(long stagedBytes) {
            copying = false;
            context.phase(stagedBytes, "bytes");
            context.advance(sentWhileCopying);
        }
    }

    /** Looks at the staging directory while DuckDB writes into it. Confined to the exporting thread. */
    private final class StagingWatch {
        private final Path staging;
        private final Path base;
        private FileStore disk;

        StagingWatch(Path staging, Path base) {
            this.staging = staging;
            this.base = base;
        }

        void check(Uploads uploads) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(staging)) {
                files = walk.filter(Files::isRegularFile).toList();
            } catch (IOException | UncheckedIOException e) {
                return; // DuckDB renames and creates files as we look; the next round sees a settled directory
            }
            long staged = 0;
            Map<Path, Long> sizes = new LinkedHashMap<>();
            for (Path file : files) {
                try {
                    long size = Files.size(file);
                    staged += size;
                    sizes.put(file, size);
                } catch (IOException e) {
                    // renamed or removed since the walk
                }
            }
            if (settings.maxStagingBytes() != null && staged > settings.maxStagingBytes()) {
                throw stagingLimit(staged);
            }
            long free = usableSpace();
            if (free >= 0 && free < settings.minFreeStagingBytes()) {
                throw new DuckbridgeException(
                        ErrorClass.IO,
                        "the staging disk " + settings.stagingDir() + " is full: " + free + " bytes free"
                                + (staged > 0 ? " after staging " + staged + " bytes" : "")
                                + ", below the " + settings.minFreeStagingBytes()
                                + " bytes kept free (duckbridge.lake.min-free-staging-size); the export was stopped"
                                + " and nothing was published");
            }
            if (uploads.store() instanceof S3BucketStore s3
                    && s3.storage().settings().uploadDuringCopy()) {
                long threshold = s3.storage().settings().multipartThresholdBytes();
                for (Map.Entry<Path, Long> e : sizes.entrySet()) {
                    Path file = e.getKey();
                    String name = file.getFileName().toString();
                    if (!file.startsWith(base)
                            || !name.endsWith(".parquet")
                            || name.startsWith(".")
                            || name.startsWith("tmp_")) {
                        continue;
                    }
                    String relative = base.equals(staging)
                            ? name
                            : base.relativize(file).toString().replace('\\', '/');
                    if (e.getValue() > threshold && !uploads.growing().containsKey(relative)) {
                        uploads.growing()
                                .put(
                                        relative,
                                        new GrowingFileUpload(
                                                s3, uploads.version() + "/" + relative, file, uploads.sent()));
                    }
                }
                for (GrowingFileUpload upload : uploads.growing().values()) {
                    upload.advance();
                }
            }
        }

        private long usableSpace() {
            try {
                if (disk == null) {
                    disk = Files.getFileStore(staging);
                }
                return disk.getUsableSpace();
            } catch (IOException e) {
                return -1;
            }
        }
    }

    /** A staged file; {@code sha256} is null while the file's upload, which computes it, is not finished. */
    private record StagedFile(
            Path file, String relative, long rows, long bytes, String sha256, Map<String, String> partition) {
        StagedFile withSha256(String sha) {
            return new StagedFile(file, relative, rows, bytes, sha, partition);
        }
    }

    /**
     * Lists the staged Parquet files with their row counts, sizes and partition values, and the SHA-256 of each
     * file except those in {@code uploading}: their SHA-256 comes from the pass that uploads them ({@link
     * GrowingFileUpload#finish()}), so they are not read a second time for it.
     */
    private List<StagedFile> inspect(Path written, Path staging, Set<String> uploading) {
        List<Path> files;
        Path base = Files.isDirectory(written) ? written : staging;
        try (Stream<Path> walk = Files.walk(base)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot list the staged export " + staging + ": " + e, e);
        }
        Map<String, Long> rowsByFile = files.isEmpty() ? Map.of() : rowCounts(files);
        List<StagedFile> staged = new ArrayList<>();
        for (Path file : files) {
            String relative = base.relativize(file).toString().replace('\\', '/');
            Map<String, String> partition = new LinkedHashMap<>();
            for (String segment : relative.split("/")) {
                int eq = segment.indexOf('=');
                if (eq > 0 && !segment.endsWith(".parquet")) {
                    String value = URLDecoder.decode(segment.substring(eq + 1), StandardCharsets.UTF_8);
                    partition.put(
                            URLDecoder.decode(segment.substring(0, eq), StandardCharsets.UTF_8),
                            // DuckDB writes a NULL partition value as Hive's marker; the manifest says null
                            HIVE_NULL.equals(value) ? null : value);
                }
            }
            staged.add(new StagedFile(
                    file,
                    relative,
                    rowsByFile.getOrDefault(file.toString(), 0L),
                    LocalObjectStore.size(file),
                    uploading.contains(relative) ? null : Digests.sha256(file),
                    partition));
        }
        return staged;
    }

    private Map<String, Long> rowCounts(List<Path> files) {
        String list = files.stream().map(p -> SqlNames.literal(p.toString())).collect(Collectors.joining(", "));
        return engine.read(session -> {
            Map<String, Long> rows = new HashMap<>();
            try (Statement st = session.statement();
                    ResultSet rs =
                            st.executeQuery("SELECT file_name, num_rows FROM parquet_file_metadata([" + list + "])")) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getLong(2));
                }
            }
            return rows;
        });
    }

    private List<ExportManifest.File> upload(
            ObjectStore store,
            String version,
            List<StagedFile> files,
            Map<String, GrowingFileUpload> growing,
            JobContext context) {
        List<ExportManifest.File> published = new ArrayList<>();
        if (store instanceof LocalObjectStore local) {
            for (StagedFile f : files) {
                context.checkCancelled();
                String key = version + "/" + f.relative();
                local.move(key, f.file(), f.bytes(), f.sha256());
                context.advance(f.bytes());
                published.add(new ExportManifest.File(key, f.rows(), f.bytes(), f.sha256(), f.partition()));
            }
            // each partition directory once, not once per file in it; before the manifest names the files
            local.syncDirectoriesOf(
                    published.stream().map(ExportManifest.File::path).toList());
            return published;
        }
        Map<String, Path> byKey = new LinkedHashMap<>();
        Map<String, StagedFile> staged = new HashMap<>();
        Map<String, String> sha256 = new HashMap<>();
        List<StoredObject> stored = new ArrayList<>();
        for (StagedFile f : files) {
            String key = version + "/" + f.relative();
            GrowingFileUpload started = growing.remove(f.relative());
            Optional<StoredObject> done = started == null ? Optional.empty() : started.finish();
            if (done.isPresent()) {
                staged.put(key, f.withSha256(done.get().sha256()));
                stored.add(done.get());
                continue;
            }
            if (started != null) {
                log.warn("{} changed after parts of it were uploaded; uploading it again whole", f.file());
                context.advance(-started.withdrawn()); // the whole upload counts its bytes again
            }
            StagedFile whole = f.sha256() == null ? f.withSha256(Digests.sha256(f.file())) : f;
            staged.put(key, whole);
            byKey.put(key, whole.file());
            sha256.put(key, whole.sha256());
        }
        growing.values().forEach(g -> context.advance(-g.abort())); // files DuckDB removed or renamed
        growing.clear();
        if (!byKey.isEmpty()) {
            List<StoredObject> whole;
            if (store instanceof S3BucketStore s3) {
                whole = s3.putAll(byKey, sha256, context::advance); // part by part
            } else {
                whole = store.putAll(byKey);
                whole.forEach(o -> context.advance(o.sizeBytes()));
            }
            stored.addAll(whole);
        }
        for (StoredObject o : stored) {
            StagedFile f = staged.get(o.key());
            if (!f.sha256().equals(o.sha256()) || f.bytes() != o.sizeBytes()) {
                throw new DuckbridgeException(ErrorClass.IO, "verification of " + store.uri(o.key()) + " failed");
            }
        }
        for (StagedFile f : files) {
            String key = version + "/" + f.relative();
            StagedFile s = staged.get(key);
            published.add(new ExportManifest.File(key, s.rows(), s.bytes(), s.sha256(), s.partition()));
        }
        return published;
    }

    /**
     * CONFLICT unless an append to {@code current} keeps its schema and partitioning: a mix of either is no
     * dataset a reader can take as one (DuckDB's import failed with a Hive partition mismatch).
     */
    private static void checkAppendable(
            String targetKey, ExportManifest current, ExportRequest request, List<ExportManifest.Column> schema) {
        if (!current.schema().equals(schema)) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    "cannot append to " + targetKey + ": its schema " + current.schema() + " differs from the export's "
                            + schema + "; use mode overwrite");
        }
        if (!current.partitionBy().equals(request.partitionBy())) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    "cannot append to " + targetKey + ": it is partitioned by " + current.partitionBy()
                            + ", the export by " + request.partitionBy()
                            + "; append with the same partitionBy, or use mode overwrite");
        }
    }

    /** The source table's row in duckbridge.sync_state, when the sync feature keeps one. */
    private Map<String, Object> syncState(String table) {
        try {
            return engine.read(session -> {
                if (!session.tableExists("duckbridge", "sync_state")) {
                    return null;
                }
                Set<String> names = new LinkedHashSet<>(List.of(table));
                List<String> parts = TableName.parts(table);
                if (parts.size() == 1) {
                    names.add(new TableName("public", parts.get(0)).key());
                    names.add(new TableName("main", parts.get(0)).key());
                } else {
                    names.add(new TableName(parts.get(0), parts.get(1)).key());
                }
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT * FROM duckbridge.sync_state")) {
                    ResultSetMetaData meta = rs.getMetaData();
                    while (rs.next()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        boolean matches = false;
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            String value = rs.getString(i);
                            Object typed = rs.getObject(i);
                            // numbers stay numbers and the lossy counts JSON, for the engines that read this
                            if ("lossy".equals(meta.getColumnName(i)) && value != null) {
                                row.put("lossy", MANIFEST_JSON.readValue(value, Map.class));
                            } else {
                                row.put(
                                        meta.getColumnName(i),
                                        typed instanceof Number || typed instanceof Boolean ? typed : value);
                            }
                            matches |= value != null && names.contains(value);
                        }
                        if (matches) {
                            return row;
                        }
                    }
                }
                return null;
            });
        } catch (DuckbridgeException e) {
            log.debug("no sync state for {}: {}", table, e.getMessage());
            return null;
        }
    }

    private void cleanStaleStaging() {
        LocalObjectStore.removeStale(
                settings.stagingDir(), "export-", activeStaging::contains, "an interrupted export");
    }

    private void checkFreeSpace() {
        try {
            Files.createDirectories(settings.stagingDir());
            long free = Files.getFileStore(settings.stagingDir()).getUsableSpace();
            if (free < settings.minFreeStagingBytes()) {
                throw new DuckbridgeException(
                        ErrorClass.IO,
                        "the staging disk " + settings.stagingDir() + " is full (" + free + " bytes free, at least "
                                + settings.minFreeStagingBytes() + " needed); free space and retry");
            }
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.IO, "cannot prepare the staging directory " + settings.stagingDir() + ": " + e, e);
        }
    }
}
