package io.duckbridge.core.lake;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.LeftoverTables;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.TableName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads Parquet files from a local directory or S3-compatible storage into a table.
 *
 * <p>Objects in S3 are downloaded (verified) to {@code <data-dir>/staging/import-<id>/} first, because
 * DuckDB's httpfs extension is not available everywhere. When the source is an export published by
 * Duckbridge (its root with {@code _latest.json}, or a version directory with {@code _manifest.json}), the
 * manifest decides which files are read, every file must match its size and SHA-256 before anything is
 * loaded, and each column is cast back to the type recorded in the manifest.
 *
 * <p>The rows go into a private staging table first (loaded on a reader connection); one writer-lane
 * transaction then creates, appends to or replaces the target table. A failed import leaves the target
 * untouched. Thread-safe.
 */
public final class ParquetImporter {
    private static final Logger log = LoggerFactory.getLogger(ParquetImporter.class);
    /** Names of the tables an import stages its rows in before the writer lane swaps them in. */
    public static final String STAGING_PREFIX = "__duckbridge_import_";

    private static final Pattern GLOB = Pattern.compile("[*?\\[{]");

    private final DuckDbEngine engine;
    private final LakeSettings settings;
    private final ObjectStores stores;

    public ParquetImporter(DuckDbEngine engine, LakeSettings settings, ObjectStores stores) {
        this.engine = engine;
        this.settings = settings;
        this.stores = stores;
    }

    /**
     * Removes what imports killed before they ended left: staging tables ({@value #STAGING_PREFIX}...) and
     * downloaded files ({@code staging/import-*}), not those of this process's imports (see
     * {@link LeftoverTables}).
     */
    void removeLeftovers() {
        LeftoverTables.dropQuietly(engine, STAGING_PREFIX, null, "an interrupted import");
        LocalObjectStore.removeStale(settings.stagingDir(), "import-", LeftoverTables::ours, "an interrupted import");
    }

    /** The database's name in DuckDB (its catalog: the file's base name). */
    private String currentDatabase() {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT current_database()")) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    /**
     * The schema of the table {@code name} resolves to on the search path ({@link DuckDbEngine#SEARCH_PATH}), or
     * null when there is none (a new table then goes to DuckDB's default schema).
     */
    private String searchPathSchema(String name) {
        List<String> path = List.of(DuckDbEngine.SEARCH_PATH.split(","));
        List<String> found = engine.read(session -> {
            List<String> schemas = new ArrayList<>();
            try (PreparedStatement ps = session.prepare("SELECT schema_name FROM duckdb_tables()"
                    + " WHERE database_name = current_database() AND NOT temporary AND table_name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        schemas.add(rs.getString(1));
                    }
                }
            }
            return schemas;
        });
        return path.stream().filter(found::contains).findFirst().orElse(null);
    }

    /**
     * The store under the source's fixed part (before any glob); no request is sent to it.
     *
     * @throws DuckbridgeException INVALID_REQUEST for a source this lake cannot open (a bad bucket name, object
     *     storage not configured)
     */
    ObjectStore openBase(ImportRequest request) {
        return stores.open(Source.of(request).base());
    }

    /**
     * Refuses, before a job exists, an import whose mode does not fit the target table as it is now: create
     * into a table that exists, append to one that does not. The import checks again when it swaps its rows in,
     * since the table can change in between.
     *
     * @throws DuckbridgeException CONFLICT (create, table exists) or NOT_FOUND (append, table missing)
     */
    void checkTarget(ImportRequest request) {
        Target target = target(request);
        checkMode(request, engine.read(target::exists));
    }

    private static void checkMode(ImportRequest request, boolean exists) {
        if (request.mode() == ImportMode.CREATE && exists) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT, "table " + request.table() + " already exists; use mode append or replace");
        }
        if (request.mode() == ImportMode.APPEND && !exists) {
            throw new DuckbridgeException(
                    ErrorClass.NOT_FOUND, "table " + request.table() + " does not exist; use mode create");
        }
    }

    /**
     * The table an import writes: {@code schema} is null for an unqualified name no schema on the search path
     * holds (the table is then created in the current schema).
     */
    private record Target(String schema, String bare) {
        boolean exists(ReadSession session) throws SQLException {
            try (PreparedStatement ps = session.prepare("SELECT count(*) FROM duckdb_tables()"
                    + " WHERE database_name = current_database() AND NOT temporary AND table_name = ?"
                    + " AND schema_name = coalesce(?, current_schema())")) {
                ps.setString(1, bare);
                ps.setString(2, schema);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) > 0;
                }
            }
        }
    }

    private Target target(ImportRequest request) {
        List<String> parts = TableName.parts(request.table());
        String bare = parts.get(parts.size() - 1);
        // an unqualified name means the table queries see under it (main first, then public, as the
        // search path has it), so importing into "orders" appends to the synced public.orders instead of
        // creating a main.orders that would hide it
        return new Target(parts.size() == 1 ? searchPathSchema(bare) : parts.get(0), bare);
    }

    /** An import's source: its fixed part (before any glob) and the glob's pattern, or null without one. */
    private record Source(LakeLocation base, Pattern pattern) {
        static Source of(ImportRequest request) {
            LakeLocation source = LakeLocation.parse("source", request.source());
            String[] split = splitGlob(source.path());
            return new Source(
                    new LakeLocation(source.bucket(), split[0]), split[1] == null ? null : globToRegex(split[1]));
        }
    }

    /**
     * Runs the import. Its progress is in bytes, twice the files' size: each file counts once when it was fetched
     * (and checked against the manifest), and all of them again once their rows are loaded; the job shows the whole
     * total only when it has succeeded ({@link JobContext#completeOnlyOnSuccess()}), after the swap.
     *
     * @throws DuckbridgeException NOT_FOUND when nothing matches the source (or the table is missing for
     *     append), CONFLICT when the table exists for create, IO when a file does not match the manifest or
     *     staging space runs out, PERMISSION/SOURCE_UNAVAILABLE from the storage, CANCELLED on cancel
     */
    public ImportResult importParquet(ImportRequest request, JobContext context) {
        long started = System.nanoTime();
        String id = LeftoverTables.newRunId();
        Source source = Source.of(request);
        ObjectStore store = stores.open(source.base());
        Path staging = settings.stagingDir().resolve("import-" + id);
        String stagingTable = null;
        try {
            store.checkAccess();
            Resolved resolved = resolve(store, source.base(), source.pattern());
            // an export of no rows (a partitioned one writes no file) still has its schema: that is imported
            if (resolved.keys().isEmpty() && !resolved.emptyExport()) {
                throw new DuckbridgeException(ErrorClass.NOT_FOUND, "no Parquet files match " + request.source());
            }
            long bytes = resolved.sizes().stream().mapToLong(Long::longValue).sum();
            // every byte is fetched (and checked) once, then loaded once: the load reports nothing while DuckDB
            // reads, and the swap after it nothing at all, so the job shows the end only once it has succeeded
            context.total(2 * bytes, "bytes");
            context.completeOnlyOnSuccess();
            if (settings.maxStagingBytes() != null && source.base().isS3() && bytes > settings.maxStagingBytes()) {
                throw new DuckbridgeException(
                        ErrorClass.IO,
                        "the import needs " + bytes + " bytes of staging space, more than the limit of "
                                + settings.maxStagingBytes() + " bytes (duckbridge.lake.max-staging-size)");
            }
            List<Path> files = new ArrayList<>();
            boolean exported = resolved.manifest() != null;
            for (int i = 0; i < resolved.keys().size(); i++) {
                context.checkCancelled();
                String key = resolved.keys().get(i);
                String expectedSha = resolved.manifest() == null
                        ? null
                        : resolved.manifest().files().get(i).sha256();
                long expectedSize = resolved.sizes().get(i);
                Path local;
                String sha;
                if (resolved.store() instanceof LocalObjectStore l) {
                    Path file = l.root().resolve(key);
                    sha = expectedSha == null ? null : Digests.sha256(file);
                    // a Duckbridge export is read through a link whose path has no v=<version> directory,
                    // which DuckDB's Hive partitioning would read as a column "v" over the file's own
                    local = exported ? link(staging.resolve(unversioned(key)), file) : file;
                } else {
                    local = staging.resolve(exported ? unversioned(key) : key);
                    sha = resolved.store().get(key, local).sha256();
                }
                long size = LocalObjectStore.size(local);
                if (expectedSha != null && (!expectedSha.equals(sha) || size != expectedSize)) {
                    throw new DuckbridgeException(
                            ErrorClass.IO,
                            resolved.store().uri(key) + " does not match the manifest: " + size + " bytes sha256 "
                                    + sha + ", manifest says " + expectedSize + " bytes sha256 " + expectedSha
                                    + "; nothing was imported");
                }
                files.add(local);
                context.advance(size);
            }
            context.checkCancelled();

            Target resolvedTarget = target(request);
            String bare = resolvedTarget.bare();
            String schemaName = resolvedTarget.schema();
            // qualified with the database too: a schema named like the database file ("analytics" in
            // analytics.duckdb) is otherwise an ambiguous reference to DuckDB
            String schema = schemaName == null
                    ? null
                    : SqlNames.quote("table", currentDatabase()) + "." + SqlNames.quote("table", schemaName);
            String target = (schema == null ? "" : schema + ".") + SqlNames.quote("table", bare);
            stagingTable = (schema == null ? "" : schema + ".") + SqlNames.quote("table", STAGING_PREFIX + id);
            String select = selectFrom(files, request, resolved.manifest());
            String createStaging = "CREATE TABLE " + stagingTable + " AS " + select;
            String stagingName = stagingTable;
            long rows = engine.read(session -> {
                try (Statement st = session.statement()) {
                    // one transaction: a failed read of the files leaves no new schema behind (the engine
                    // rolls back what failed work on a reader left open before the reader is used again)
                    st.execute("BEGIN TRANSACTION");
                    if (schema != null) {
                        st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                    }
                    st.execute(createStaging);
                    long staged;
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + stagingName)) {
                        rs.next();
                        staged = rs.getLong(1);
                    }
                    st.execute("COMMIT");
                    return staged;
                }
            });
            context.advance(bytes);
            context.checkCancelled();
            String stagingBare = SqlNames.quote("table", bare);
            engine.write(session -> {
                boolean exists = resolvedTarget.exists(session);
                checkMode(request, exists);
                try (Statement st = session.statement()) {
                    switch (request.mode()) {
                        case CREATE -> st.execute("ALTER TABLE " + stagingName + " RENAME TO " + stagingBare);
                        case REPLACE -> {
                            if (exists) {
                                st.execute("DROP TABLE " + target);
                            }
                            st.execute("ALTER TABLE " + stagingName + " RENAME TO " + stagingBare);
                        }
                        case APPEND -> {
                            st.execute("INSERT INTO " + target + " BY NAME SELECT * FROM " + stagingName);
                            st.execute("DROP TABLE " + stagingName);
                        }
                    }
                }
                return null;
            });
            stagingTable = null;
            long elapsed = (System.nanoTime() - started) / 1_000_000;
            log.info(
                    "imported {} rows from {} files ({} bytes) of {} into {} ({}) in {} ms",
                    rows,
                    files.size(),
                    bytes,
                    request.source(),
                    request.table(),
                    request.mode(),
                    elapsed);
            return new ImportResult(
                    request.table(),
                    request.mode().name().toLowerCase(Locale.ROOT),
                    rows,
                    files.size(),
                    bytes,
                    resolved.manifest() != null,
                    store.path(),
                    elapsed);
        } finally {
            if (stagingTable != null) {
                dropQuietly(stagingTable);
            }
            LocalObjectStore.deleteQuietly(staging);
        }
    }

    /**
     * The files to read, in the store that holds them, with the manifest that vouches for them, if any;
     * {@code emptyExport} when that manifest lists no file at all.
     */
    private record Resolved(
            ObjectStore store, List<String> keys, List<Long> sizes, ExportManifest manifest, boolean emptyExport) {}

    private Resolved resolve(ObjectStore store, LakeLocation base, Pattern pattern) {
        Optional<ExportManifest.Pointer> pointer = Publications.pointer(store);
        ObjectStore root = store;
        ExportManifest manifest = null;
        String relativeToRoot = "";
        // where the manifest is, for messages
        String manifestUri = null;
        if (pointer.isPresent()) {
            manifest = Publications.manifest(store, pointer.get());
            manifestUri = store.uri(pointer.get().manifest());
        } else {
            Optional<byte[]> direct = store.read(ExportManifest.MANIFEST);
            if (direct.isPresent()) {
                manifestUri = store.uri(ExportManifest.MANIFEST);
                manifest = ExportManifest.parse(manifestUri, direct.get());
                int slash = base.path().lastIndexOf('/');
                String parent = slash < 0 ? "" : base.path().substring(0, slash);
                relativeToRoot = base.path().substring(slash + 1) + "/";
                root = stores.open(new LakeLocation(base.bucket(), parent));
            }
        }
        if (manifest != null) {
            for (ExportManifest.File f : manifest.files()) {
                // a manifest is data read from storage: a file it names must lie inside the export, never reach
                // out of it with .., an absolute path or a backslash (a hash and a link were made outside before),
                // nor name another object than the file with an empty segment
                try {
                    ObjectStore.checkFileKey(f.path());
                } catch (IllegalArgumentException e) {
                    throw new DuckbridgeException(
                            ErrorClass.INVALID_REQUEST,
                            "the manifest at " + manifestUri + " names the file \"" + f.path()
                                    + "\", which is not inside the export: a file's path is relative to the export,"
                                    + " without \"..\", \".\" or empty segments; it is refused and nothing is imported");
                }
            }
            List<ExportManifest.File> chosen = new ArrayList<>();
            for (ExportManifest.File f : manifest.files()) {
                String relative =
                        f.path().startsWith(relativeToRoot) ? f.path().substring(relativeToRoot.length()) : f.path();
                if (pattern == null
                        || pattern.matcher(relative).matches()
                        || pattern.matcher(f.path()).matches()) {
                    chosen.add(f);
                }
            }
            ExportManifest narrowed = new ExportManifest(
                    manifest.formatVersion(),
                    manifest.exportId(),
                    manifest.version(),
                    manifest.previousVersion(),
                    manifest.createdAt(),
                    manifest.mode(),
                    manifest.source(),
                    chosen,
                    manifest.rows(),
                    manifest.bytes(),
                    manifest.schema(),
                    manifest.partitionBy(),
                    manifest.orderBy(),
                    manifest.compression(),
                    manifest.compressionLevel(),
                    manifest.rowGroupSize(),
                    manifest.duckdbVersion(),
                    manifest.sourceSyncState());
            return new Resolved(
                    root,
                    chosen.stream().map(ExportManifest.File::path).toList(),
                    chosen.stream().map(ExportManifest.File::bytes).toList(),
                    narrowed,
                    manifest.files().isEmpty());
        }
        List<StoredObject> objects = store.list("").stream()
                .filter(o -> o.key().endsWith(".parquet"))
                .filter(o -> pattern == null || pattern.matcher(o.key()).matches())
                .filter(o -> !o.key().startsWith("_") && !o.key().contains("/_"))
                .toList();
        if (objects.isEmpty() && pattern == null && !base.path().isEmpty()) {
            // the source may name one file rather than a directory
            int slash = base.path().lastIndexOf('/');
            ObjectStore parent = stores.open(
                    new LakeLocation(base.bucket(), slash < 0 ? "" : base.path().substring(0, slash)));
            String name = base.path().substring(slash + 1);
            Optional<StoredObject> single = parent.stat(name);
            if (single.isPresent()) {
                return new Resolved(parent, List.of(name), List.of(single.get().sizeBytes()), null, false);
            }
        }
        return new Resolved(
                store,
                objects.stream().map(StoredObject::key).toList(),
                objects.stream().map(StoredObject::sizeBytes).toList(),
                null,
                false);
    }

    private static String selectFrom(List<Path> files, ImportRequest request, ExportManifest manifest) {
        if (files.isEmpty()) {
            // an export without files (resolve only lets that through with a manifest): its columns, no rows
            return "SELECT "
                    + manifest.schema().stream()
                            .map(c -> "CAST(NULL AS " + c.type() + ") AS " + SqlNames.quote("column", c.name()))
                            .collect(Collectors.joining(", "))
                    + " LIMIT 0";
        }
        String list = files.stream().map(p -> SqlNames.literal(p.toString())).collect(Collectors.joining(", "));
        String reader = "read_parquet([" + list + "], hive_partitioning = " + request.hivePartitioning()
                + ", union_by_name = " + request.unionByName() + ")";
        if (manifest == null || manifest.schema().isEmpty()) {
            return "SELECT * FROM " + reader;
        }
        if (!request.hivePartitioning() && !manifest.partitionBy().isEmpty()) {
            // the partition columns' values are only in the directory names (DuckDB's binder said only that the
            // column "cannot be referenced before it is defined")
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    request.source() + " is an export partitioned by " + manifest.partitionBy() + ", whose values are"
                            + " in its directory names; import it with \"hivePartitioning\": true (the default)");
        }
        String columns = manifest.schema().stream()
                .map(c -> "CAST(" + SqlNames.quote("column", c.name()) + " AS " + c.type() + ") AS "
                        + SqlNames.quote("column", c.name()))
                .collect(Collectors.joining(", "));
        return "SELECT " + columns + " FROM " + reader;
    }

    /**
     * An exported file's key with its version directory {@code v=<version>/} named {@code <version>/}: no longer
     * a Hive partition (it would become a column {@code v}), still one directory per version, so the files of
     * an append chain (each version has a {@code data_0.parquet}) stay apart.
     */
    static String unversioned(String key) {
        return key.startsWith("v=") && key.indexOf('/') > 0 ? key.substring(2) : key;
    }

    /** A symbolic link at {@code link} to {@code target}, its directories created. */
    private static Path link(Path link, Path target) {
        try {
            Files.createDirectories(link.getParent());
            return Files.createSymbolicLink(link, target.toAbsolutePath());
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.IO, "could not link " + target + " into the import's staging directory: " + e, e);
        }
    }

    private void dropQuietly(String table) {
        try {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute("DROP TABLE IF EXISTS " + table);
                }
                return null;
            });
        } catch (DuckbridgeException e) {
            log.warn("could not drop the import staging table {}: {}", table, e.getMessage());
        }
    }

    /** {base without glob, glob pattern or null}. */
    static String[] splitGlob(String path) {
        String[] segments = path.isEmpty() ? new String[0] : path.split("/");
        int first = -1;
        for (int i = 0; i < segments.length; i++) {
            if (GLOB.matcher(segments[i]).find()) {
                first = i;
                break;
            }
        }
        if (first < 0) {
            return new String[] {path, null};
        }
        String base = String.join("/", java.util.Arrays.copyOfRange(segments, 0, first));
        String glob = String.join("/", java.util.Arrays.copyOfRange(segments, first, segments.length));
        return new String[] {base, glob};
    }

    /** {@code **} any depth, {@code *} within a segment, {@code ?} one character, {@code {a,b}} alternatives. */
    static Pattern globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                    i++;
                    re.append("(?:.*/)?");
                } else {
                    re.append(".*");
                }
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else if (c == '{') {
                re.append("(?:");
            } else if (c == '}') {
                re.append(")");
            } else if (c == ',') {
                re.append("|");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
