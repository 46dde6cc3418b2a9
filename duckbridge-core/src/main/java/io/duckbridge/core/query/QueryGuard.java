package io.duckbridge.core.query;

import io.duckbridge.core.engine.RealPaths;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.duckdb.DuckDBConnection;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decides whether a user's SQL text may run, using DuckDB's own parser and never preparing the text
 * first (DuckDB executes every statement of a multi-statement text while preparing it).
 *
 * <p>The text is handed, as a bound parameter, to DuckDB's {@code json_serialize_sql}, which parses it
 * without binding or running anything and serializes only {@code SELECT} statements. The guard then
 * requires:
 *
 * <ul>
 *   <li>exactly one statement, and that it is a query (anything else cannot be serialized);
 *   <li>no query node in the whole tree other than {@code SELECT}, set operations and (recursive) CTEs —
 *       this catches data-modifying CTEs such as {@code WITH d AS (DELETE ... RETURNING *) SELECT ...} and
 *       {@code WITH c AS (COPY ...) SELECT 1}, which DuckDB 2.0 parses as a SELECT and which do write;
 *   <li>no function that writes, runs SQL from a string, or reads configuration, secrets or the
 *       environment ({@link #FORBIDDEN_FUNCTIONS}), and in {@code FROM} only the table functions of an
 *       allow-list ({@link #ALLOWED_TABLE_FUNCTIONS}, the file readers and harmless pragmas): DuckDB keeps
 *       adding table functions with side effects (2.0's {@code destroy_external_resource} calls any table
 *       function by name, {@code register_external_resource_type} changes what every connection sees), so a
 *       deny-list alone would fall behind;
 *   <li>no reference to the views that expose settings or other clients' state ({@link #FORBIDDEN_TABLES});
 *   <li>files read only through string literals inside the configured file roots, whether through a
 *       reader function ({@code read_parquet}, {@code read_csv}, {@code glob}, ...) or a file name used as
 *       a table ({@code FROM 'x.csv'}, also qualified: {@code FROM "/dir/x".csv}); the database file and its
 *       WAL are never readable;
 *   <li>at most {@link #MAX_SQL_CHARS} characters, and texts above {@link #LARGE_SQL_CHARS} are parsed one at a
 *       time: the parser's JSON for a text is about 25 times its size and its tree about 160 times, so a few
 *       megabyte-sized texts at once could exhaust the heap.
 * </ul>
 *
 * A top-level {@code PIVOT}/{@code UNPIVOT} statement is accepted by checking, and then running, the
 * same text wrapped as {@code SELECT * FROM (...)}: the text that runs is always the text that passed.
 * DuckDB's sandbox (see {@code EngineSandbox}) is the second line of defence behind this one.
 *
 * <p>Accepted texts are remembered in a bounded least-recently-used cache keyed by the exact text, so a
 * repeated query skips the parser round trip. The verdict of a text that names no file is a function of the
 * text alone (DuckDB's parser binds nothing), and each guard has its own cache, so a cached verdict is the
 * one a fresh check would give. Texts that name files are checked every time, because their paths are also
 * checked where symbolic links really lead. Rejections are not cached.
 *
 * <p>Thread-safe; the connection passed to {@link #check} is used only during the call.
 */
public final class QueryGuard {
    /** Functions a user query may never call, whatever their arguments. */
    public static final Set<String> FORBIDDEN_FUNCTIONS = Set.of(
            "query",
            "query_table",
            "json_execute_serialized_sql",
            "json_deserialize_sql",
            "getenv",
            "duckdb_secrets",
            "which_secret",
            "current_setting",
            "duckdb_settings",
            "nextval",
            "setval",
            "checkpoint",
            "force_checkpoint",
            "enable_logging",
            "disable_logging",
            "truncate_duckdb_logs",
            "duckdb_logs",
            "duckdb_logs_parsed",
            "pragma_database_list",
            "install_extension",
            "load_extension",
            "set_config",
            "enable_profiling",
            "disable_profiling",
            "create_external_resource",
            "register_external_resource",
            "register_external_resource_type",
            "deregister_external_resource",
            "destroy_external_resource",
            "duckdb_external_resources",
            "duckdb_prepared_statements",
            "duckdb_databases",
            "duckdb_temporary_files",
            "duckdb_variables",
            // binds and optimizes a SQL string the guard never sees (it leaked settings through constants)
            "json_serialize_plan",
            // state of the reader connection that the next client's query would inherit, or the log
            "setseed",
            "write_log",
            // the snapshot copier's ingest table function: internal, reads a running sync's COPY stream
            "duckbridge_copy_source");

    /**
     * Table functions a query may use in {@code FROM}, besides the file readers ({@link #FILE_FUNCTIONS}, with
     * their paths checked) and harmless pragmas: generators, JSON and list expansion, and catalog views that
     * show no paths, settings or other clients' statements.
     */
    public static final Set<String> ALLOWED_TABLE_FUNCTIONS = Set.of(
            "range",
            "generate_series",
            "unnest",
            "repeat",
            "repeat_row",
            "json_each",
            "json_tree",
            // not histogram/histogram_values: table macros that run query_table() on a name given as a string
            "summary",
            "test_all_types",
            "test_vector_types",
            "pg_timezone_names",
            "icu_calendar_names",
            "duckdb_columns",
            "duckdb_constraints",
            "duckdb_dependencies",
            "duckdb_functions",
            "duckdb_indexes",
            "duckdb_keywords",
            "duckdb_optimizers",
            "duckdb_schemas",
            "duckdb_sequences",
            "duckdb_tables",
            "duckdb_types",
            "duckdb_views",
            "duckdb_triggers",
            "duckdb_memory",
            "duckdb_approx_database_count",
            "duckdb_connection_count");

    /**
     * Catalog views (referenced like tables) that show settings, paths, secrets or other clients' statements;
     * the table functions behind them are not on {@link #ALLOWED_TABLE_FUNCTIONS} either.
     */
    public static final Set<String> FORBIDDEN_TABLES = Set.of(
            "pg_settings",
            "pg_prepared_statements",
            "duckdb_settings",
            "duckdb_secrets",
            "duckdb_databases",
            "duckdb_temporary_files",
            "duckdb_prepared_statements",
            "duckdb_variables",
            "duckdb_extensions",
            "duckdb_logs",
            "pragma_database_list");

    /** The longest query text accepted, in characters. */
    public static final int MAX_SQL_CHARS = 256 * 1024;

    /** Texts longer than this are parsed one at a time (see the class comment). */
    static final int LARGE_SQL_CHARS = 16 * 1024;

    private static final java.util.concurrent.Semaphore LARGE_TEXTS = new java.util.concurrent.Semaphore(1, true);

    /** Functions whose first argument names files; allowed only with literal paths inside the roots. */
    public static final Set<String> FILE_FUNCTIONS = Set.of(
            "read_csv",
            "read_csv_auto",
            "sniff_csv",
            "read_json",
            "read_json_auto",
            "read_json_objects",
            "read_json_objects_auto",
            "read_ndjson",
            "read_ndjson_auto",
            "read_ndjson_objects",
            "read_parquet",
            "parquet_scan",
            "parquet_metadata",
            "parquet_schema",
            "parquet_file_metadata",
            "parquet_kv_metadata",
            "parquet_bloom_probe",
            "read_blob",
            "read_text",
            "glob",
            "parquet_full_metadata",
            "read_single_csv_file",
            "read_single_json_file",
            "read_single_parquet_file",
            "read_duckdb",
            "read_xlsx",
            "iceberg_scan",
            "iceberg_metadata",
            "iceberg_snapshots",
            "delta_scan",
            "read_avro",
            "st_read");

    private static final Set<String> ALLOWED_NODES =
            Set.of("SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE");
    /**
     * File extensions DuckDB (or an extension it may load) reads when a name is used as a table; DuckDB also
     * ignores a {@code ?...} suffix when it looks at the extension.
     */
    private static final String EXTENSIONS = "(csv|tsv|txt|parquet|json|jsonl|ndjson|geojson|gz|zst|xlsx|xls|arrow|ipc"
            + "|feather|avro|orc|db|duckdb|wal|sqlite|sqlite3|gpkg|shp|fgb|kml)";

    private static final Pattern FILE_LIKE_TABLE =
            Pattern.compile("(?i).*([/\\\\~]|://|\\." + EXTENSIONS + "(\\?.*)?$).*");
    private static final Pattern FILE_EXTENSION = Pattern.compile("(?i)" + EXTENSIONS + "(\\?.*)?");
    private static final Pattern LEADING_PIVOT =
            Pattern.compile("(?is)^(\\s|--[^\\n]*\\n|/\\*.*?\\*/)*(un)?pivot\\b.*");
    /**
     * Reads the parser's JSON. DuckDB allows expressions 1000 levels deep, and each level is a few JSON levels
     * (Jackson's default limit of 500 refused a sum of 170 terms).
     */
    private static final ObjectMapper JSON = JsonMapper.builder(tools.jackson.core.json.JsonFactory.builder()
                    .streamReadConstraints(tools.jackson.core.StreamReadConstraints.builder()
                            .maxNestingDepth(20_000)
                            .build())
                    .build())
            .build();

    /** Accepted texts remembered by default. */
    public static final int DEFAULT_CACHE_ENTRIES = 1024;
    /**
     * Texts longer than this (in chars) are checked every time, so the cache stays small: with the default
     * entries at most 4 MB of Latin-1 text (16 MB if every text were UTF-16 and rewritten).
     */
    static final int MAX_CACHED_TEXT = 4 * 1024;

    private final List<Path> fileRoots;
    private final List<Path> protectedFiles;
    private final VerdictCache cache;

    /**
     * @param fileRoots directories below which user queries may read files (made absolute); may be empty
     * @param databaseFile the DuckDB file, which (with its WAL) stays unreadable even inside a root; null
     *     for an in-memory database
     * @throws DuckbridgeException INVALID_REQUEST when a root contains the database file
     */
    public QueryGuard(List<Path> fileRoots, Path databaseFile) {
        this(fileRoots, databaseFile, DEFAULT_CACHE_ENTRIES);
    }

    /**
     * @param fileRoots directories below which user queries may read files (made absolute); may be empty
     * @param databaseFile the DuckDB file, which (with its WAL) stays unreadable even inside a root; null
     *     for an in-memory database
     * @param cacheEntries how many accepted texts to remember; 0 checks every text with DuckDB's parser
     * @throws DuckbridgeException INVALID_REQUEST when a root contains the database file or
     *     {@code cacheEntries} is negative
     */
    public QueryGuard(List<Path> fileRoots, Path databaseFile, int cacheEntries) {
        if (cacheEntries < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.query.guard-cache-entries " + cacheEntries + " is negative; use e.g. 1024, or 0"
                            + " for none");
        }
        this.cache = new VerdictCache(cacheEntries);
        this.fileRoots = fileRoots.stream()
                .map(p -> p.toAbsolutePath().normalize())
                .distinct()
                .toList();
        List<Path> protect = new ArrayList<>();
        if (databaseFile != null) {
            Path db = databaseFile.toAbsolutePath().normalize();
            protect.add(db);
            protect.add(Path.of(db + ".wal"));
            for (Path root : this.fileRoots) {
                if (db.startsWith(root)) {
                    throw new DuckbridgeException(
                            ErrorClass.INVALID_REQUEST,
                            "duckbridge.query.file-roots entry " + root + " contains the database file " + db
                                    + "; list a subdirectory such as " + root.resolve("exports"));
                }
            }
        }
        this.protectedFiles = List.copyOf(protect);
    }

    public List<Path> fileRoots() {
        return fileRoots;
    }

    /**
     * Checks {@code sql} with DuckDB's parser on {@code connection} (any connection of the database).
     *
     * @return the text to run (the original, or the wrapped form of a top-level PIVOT) and its named
     *     parameters
     * @throws DuckbridgeException SYNTAX (with the position) when DuckDB cannot parse the text,
     *     READ_ONLY_VIOLATION with the reason when it is not one read-only query, INVALID_REQUEST when
     *     the text is empty
     */
    public CheckedQuery check(DuckDBConnection connection, String sql) throws SQLException {
        if (sql == null || sql.isBlank()) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "the query text \"sql\" is empty");
        }
        if (sql.length() > MAX_SQL_CHARS) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "the query text has " + sql.length() + " characters; at most " + MAX_SQL_CHARS
                            + " are accepted (put long value lists in a table or a Parquet file in a file root)");
        }
        CheckedQuery known = cache.get(sql);
        if (known != null) {
            return known;
        }
        CheckedQuery checked;
        READS_FILES.set(Boolean.FALSE);
        CONNECTION.set(connection);
        try {
            if (sql.length() > LARGE_SQL_CHARS) {
                LARGE_TEXTS.acquireUninterruptibly();
                try {
                    checked = parseAndInspect(connection, sql);
                } finally {
                    LARGE_TEXTS.release();
                }
            } else {
                checked = parseAndInspect(connection, sql);
            }
        } finally {
            CONNECTION.remove();
        }
        // a verdict on file paths depends on the file system too (a symbolic link may appear): checked each time
        if (sql.length() <= MAX_CACHED_TEXT && !READS_FILES.get()) {
            cache.put(sql, checked);
        }
        return checked;
    }

    /** How many accepted texts are remembered now. */
    int cachedVerdicts() {
        return cache.size();
    }

    private CheckedQuery parseAndInspect(DuckDBConnection connection, String sql) throws SQLException {
        JsonNode parsed = serialize(connection, sql);
        String text = sql;
        if (parsed.path("error").asBoolean(false)
                && "not implemented".equals(parsed.path("error_type").asString(""))
                && LEADING_PIVOT.matcher(sql).matches()) {
            String wrapped = "SELECT * FROM (\n" + SqlText.withoutTrailingSemicolons(sql) + "\n)";
            JsonNode retry = serialize(connection, wrapped);
            if (!retry.path("error").asBoolean(false)) {
                parsed = retry;
                text = wrapped;
            }
        }
        if (parsed.path("error").asBoolean(false)) {
            String type = parsed.path("error_type").asString("");
            String message = parsed.path("error_message").asString("");
            if ("parser".equals(type)) {
                Integer position = parsed.hasNonNull("position")
                        ? Integer.valueOf(parsed.get("position").asString())
                        : null;
                throw new DuckbridgeException(ErrorClass.SYNTAX, "Parser Error: " + message, null, position);
            }
            if (message.contains("Mixing named and positional parameters")) {
                // a read-only query all the same; DuckDB's reason is the one to fix
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        message + "; use either ? / $1 with a \"params\" array or $name with a \"params\" object");
            }
            if (LEADING_PIVOT.matcher(sql).matches()) {
                throw violation("a PIVOT without an explicit IN list makes DuckDB create types first; list the"
                        + " pivoted values, e.g. PIVOT t ON c IN ('a', 'b') USING sum(x)");
            }
            throw violation("only a single read-only query (SELECT, WITH, FROM, VALUES, DESCRIBE, SUMMARIZE,"
                    + " SHOW, PIVOT) is accepted; the text holds a statement of another kind");
        }
        JsonNode statements = parsed.path("statements");
        if (statements.isEmpty()) {
            // only comments or whitespace: nothing to run, not an attempt at anything
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "the text holds no statement (only comments or whitespace); send a query");
        }
        if (statements.size() != 1) {
            throw violation("exactly one statement is accepted; the text holds " + statements.size());
        }
        JsonNode statement = statements.get(0);
        inspect(statement.path("node"));
        // DuckDB's parameter names are case-insensitive: $A and $a are one parameter, named_param_map has one key
        Map<String, Integer> named = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (JsonNode entry : statement.path("named_param_map")) {
            named.put(entry.path("key").asString(), entry.path("value").asInt());
        }
        List<int[]> spans = new ArrayList<>();
        collectNamedParameters(statement.path("node"), named, spans);
        if (spans.isEmpty()) {
            return new CheckedQuery(text, named);
        }
        // DuckDB's JDBC driver binds by index only: $name becomes $index (its own numbering), and the
        // rewritten text is checked again, so what runs is still exactly what passed
        String rewritten = rewrite(text, spans);
        CheckedQuery again = parseAndInspect(connection, rewritten);
        if (again.namedParameters().size() != named.size()) {
            throw violation("the named parameters could not be mapped to positions");
        }
        List<int[]> renamed = new ArrayList<>();
        for (int[] span : spans.stream()
                .sorted(java.util.Comparator.comparingInt(x -> x[0]))
                .toList()) {
            renamed.add(new int[] {span[0], span[1], ("$" + span[2]).length()});
        }
        return new CheckedQuery(again.sql(), named, renamed);
    }

    private static void collectNamedParameters(JsonNode root, Map<String, Integer> named, List<int[]> spans) {
        forEachObject(root, node -> collectNamedParameter(node, named, spans));
    }

    private static void collectNamedParameter(JsonNode node, Map<String, Integer> named, List<int[]> spans) {
        if ("PARAMETER".equals(node.path("class").asString(""))) {
            String identifier = node.path("identifier").asString("");
            if (!identifier.chars().allMatch(Character::isDigit) && named.containsKey(identifier)) {
                spans.add(new int[] {
                    node.path("query_location").asInt(),
                    node.path("query_location_length").asInt(),
                    named.get(identifier)
                });
            }
        }
    }

    /** Replaces each span (byte offsets into the UTF-8 text, as DuckDB reports them) by {@code $index}. */
    private static String rewrite(String sql, List<int[]> spans) {
        byte[] bytes = sql.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<int[]> sorted = new ArrayList<>(spans);
        sorted.sort(java.util.Comparator.comparingInt(a -> a[0]));
        var out = new java.io.ByteArrayOutputStream(bytes.length + 16);
        int at = 0;
        for (int[] span : sorted) {
            if (span[0] < at || span[0] + span[1] > bytes.length || bytes[span[0]] != '$') {
                throw violation("the named parameters could not be mapped to positions");
            }
            out.write(bytes, at, span[0] - at);
            byte[] replacement = ("$" + span[2]).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            out.write(replacement, 0, replacement.length);
            at = span[0] + span[1];
        }
        out.write(bytes, at, bytes.length - at);
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static JsonNode serialize(DuckDBConnection connection, String sql) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return JSON.readTree(rs.getString(1));
            }
        }
    }

    /** Checks every node of the tree. */
    private void inspect(JsonNode root) {
        if (root != null) {
            forEachObject(root, this::inspectObject);
        }
    }

    /** Calls {@code visit} on every object in the tree, walking it with a stack of its own (expressions nest
     * 1000 levels deep, more than a thread's stack holds in recursive calls). */
    private static void forEachObject(JsonNode root, java.util.function.Consumer<JsonNode> visit) {
        java.util.ArrayDeque<JsonNode> pending = new java.util.ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isArray()) {
                node.forEach(pending::push);
            } else if (node.isObject()) {
                visit.accept(node);
                for (var entry : node.properties()) {
                    pending.push(entry.getValue());
                }
            }
        }
    }

    private void inspectObject(JsonNode node) {
        String type = node.path("type").asString("");
        if (type.endsWith("_NODE") && !ALLOWED_NODES.contains(type)) {
            throw violation("the query contains a " + describe(type) + "; only reading is allowed");
        }
        if (node.has("info_type")) {
            throw violation("the query contains a " + node.get("info_type").asString() + " statement");
        }
        if ("FUNCTION".equals(node.path("class").asString("")) && node.has("function_name")) {
            checkFunction(node);
        }
        if ("TABLE_FUNCTION".equals(type)) {
            String name =
                    node.path("function").path("function_name").asString("").toLowerCase(Locale.ROOT);
            if (!ALLOWED_TABLE_FUNCTIONS.contains(name) && !FILE_FUNCTIONS.contains(name) && !isHarmlessPragma(name)) {
                throw violation("the table function " + name + "() is not allowed in queries; the allowed ones"
                        + " are the file readers (read_parquet, read_csv, ...), generators (range, unnest, ...)"
                        + " and catalog views (duckdb_tables, duckdb_columns, ...)");
            }
        }
        if ("BASE_TABLE".equals(type)) {
            checkTable(node);
        }
        if ("SHOW_REF".equals(type)
                && "SHOW".equals(node.path("show_type").asString(""))
                && node.path("query").isNull()
                && !node.path("table_name").asString("").isEmpty()) {
            // SHOW x describes a table x, or else shows the setting x (allowed_directories, secret_directory)
            throw violation("SHOW " + node.path("table_name").asString() + " is not accepted (it also shows"
                    + " settings); use DESCRIBE " + node.path("table_name").asString() + " for a table");
        }
    }

    /**
     * A table reference: never a view of settings or other clients' state, and, when it names a file (DuckDB
     * reads {@code FROM 'x.csv'} and {@code FROM "/dir/x".csv} as files when no such table exists), only
     * one inside the file roots.
     */
    private void checkTable(JsonNode node) {
        List<String> parts = new ArrayList<>();
        for (JsonNode part : node.path("qualified_name").path("path")) {
            parts.add(part.asString(""));
        }
        if (parts.isEmpty()) {
            for (String field : List.of("catalog_name", "schema_name", "table_name")) {
                String part = node.path(field).asString("");
                if (!part.isEmpty()) {
                    parts.add(part);
                }
            }
        }
        if (parts.isEmpty()) {
            return;
        }
        String table = parts.getLast();
        if (FORBIDDEN_TABLES.contains(table.toLowerCase(Locale.ROOT))) {
            throw violation("the view " + table + " is not allowed in queries (it shows settings, paths or other"
                    + " clients' state)");
        }
        String joined = String.join(".", parts);
        boolean pathLike =
                joined.contains("/") || joined.contains("\\") || joined.contains("~") || joined.contains("://");
        // x.csv unquoted is the table csv of schema x, or else the file x.csv: a file extension as the table
        // name is taken as a file
        boolean extension = parts.size() > 1 && FILE_EXTENSION.matcher(table).matches();
        if (FILE_LIKE_TABLE.matcher(joined).matches()
                && (parts.size() == 1 || pathLike || extension)
                && !existingTable(parts)) {
            checkPath(joined, "FROM '" + joined + "'");
        }
    }

    /**
     * Whether {@code parts} ({@code schema, table}) names a table or view that exists, which DuckDB then reads
     * rather than a file: a synced PostgreSQL table may be named {@code "sl/ash"}. Not cached (the table may be
     * dropped); false without a connection to look.
     */
    private static boolean existingTable(List<String> parts) {
        DuckDBConnection connection = CONNECTION.get();
        if (parts.size() != 2 || connection == null) {
            return false;
        }
        READS_FILES.set(Boolean.TRUE); // the verdict depends on the catalog now: not cached
        try (PreparedStatement ps =
                connection.prepareStatement("SELECT count(*) FROM (SELECT schema_name, table_name FROM duckdb_tables()"
                        + " UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal)"
                        + " WHERE lower(schema_name) = lower(?) AND lower(table_name) = lower(?)")) {
            ps.setString(1, parts.get(0));
            ps.setString(2, parts.get(1));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        } catch (SQLException e) {
            return false;
        }
    }

    private void checkFunction(JsonNode function) {
        String name = function.path("function_name").asString("").toLowerCase(Locale.ROOT);
        if (FORBIDDEN_FUNCTIONS.contains(name) || name.startsWith("pragma_") && !isHarmlessPragma(name)) {
            throw violation("the function " + name + "() is not allowed in queries");
        }
        if (FILE_FUNCTIONS.contains(name)) {
            JsonNode args = function.path("arguments");
            if (args.isEmpty()) {
                throw violation(name + "() needs a literal file path");
            }
            for (JsonNode arg : args) {
                String option = optionName(arg);
                if (option != null && TABLE_CREATING_OPTIONS.contains(option)) {
                    throw violation(name + "() option " + option + " creates tables, which queries may not do");
                }
            }
            JsonNode first = args.get(0).path("expression");
            for (String path : literalPaths(name, first)) {
                checkPath(path, name + "('" + path + "')");
            }
        }
    }

    /** Reader options that make DuckDB create (temporary) tables, which would shadow tables for later queries. */
    private static final Set<String> TABLE_CREATING_OPTIONS = Set.of("store_rejects", "rejects_table", "rejects_scan");

    /** The name of a named argument ({@code name := v} or {@code name = v}), lower case; null for a plain one. */
    private static String optionName(JsonNode arg) {
        String named = arg.path("name").asString("");
        if (!named.isEmpty()) {
            return named.toLowerCase(Locale.ROOT);
        }
        JsonNode expression = arg.path("expression");
        if ("COMPARISON".equals(expression.path("class").asString(""))
                && "COLUMN_REF".equals(expression.path("left").path("class").asString(""))) {
            JsonNode names = expression.path("left").path("column_names");
            return names.size() == 1 ? names.get(0).asString("").toLowerCase(Locale.ROOT) : null;
        }
        return null;
    }

    private static boolean isHarmlessPragma(String name) {
        return Set.of(
                        "pragma_table_info",
                        "pragma_show",
                        "pragma_storage_info",
                        "pragma_metadata_info",
                        "pragma_version",
                        "pragma_platform",
                        "pragma_database_size",
                        "pragma_user_agent",
                        "pragma_collations",
                        "pragma_functions")
                .contains(name);
    }

    private static List<String> literalPaths(String function, JsonNode expression) {
        String cls = expression.path("class").asString("");
        if ("CONSTANT".equals(cls)
                && "STRING".equals(expression.path("literal").path("kind").asString(""))) {
            return List.of(expression.path("literal").path("text").asString());
        }
        if ("FUNCTION".equals(cls)
                && "list_value".equals(expression.path("function_name").asString(""))) {
            List<String> paths = new ArrayList<>();
            for (JsonNode arg : expression.path("arguments")) {
                paths.addAll(literalPaths(function, arg.path("expression")));
            }
            return paths;
        }
        throw violation(function + "() takes only string literals as file paths here, so that the paths can be checked"
                + " against the allowed file roots");
    }

    /** The connection of the check running on this thread, to expand glob patterns as DuckDB will. */
    private static final ThreadLocal<DuckDBConnection> CONNECTION = new ThreadLocal<>();

    /** Files a glob pattern may match; a pattern matching more is refused (checking each would take too long). */
    static final int MAX_GLOB_FILES = 100_000;

    /** Whether the text being checked on this thread names a file (its verdict is then not cached). */
    private static final ThreadLocal<Boolean> READS_FILES = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private void checkPath(String raw, String where) {
        READS_FILES.set(Boolean.TRUE);
        String path = raw.startsWith("file://") ? raw.substring("file://".length()) : raw;
        for (String part : path.split("[/\\\\]")) {
            if (part.equals("..")) {
                // the system resolves link/.. to the parent of the link's target, not of the link: a path that
                // looks inside a root may lead anywhere, so .. is never accepted
                throw violation(where + " contains \"..\"; name the file by its path inside the file roots");
            }
        }
        if (path.contains("://") || path.startsWith("~") || path.isBlank()) {
            throw outside(where);
        }
        Path resolved;
        try {
            resolved = Path.of(path).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw outside(where);
        }
        if (!allowed(resolved)) {
            throw outside(where);
        }
        if (GLOB_CHARACTERS.matcher(resolved.toString()).find()) {
            checkGlobMatches(resolved, where);
            return;
        }
        // a symbolic link inside a root may point outside it (or at the database file): check where the
        // longest existing part of the path really is
        try {
            if (!allowed(RealPaths.of(resolved))) {
                throw outside(where);
            }
        } catch (java.io.IOException e) {
            throw outside(where);
        }
    }

    private static final Pattern GLOB_CHARACTERS = Pattern.compile("[*?\\[{]");

    /**
     * Every file a glob pattern matches, as DuckDB's own {@code glob} expands it (through symbolic links to
     * directories), must really be inside a root and not the database file or its WAL.
     */
    private void checkGlobMatches(Path pattern, String where) {
        DuckDBConnection connection = CONNECTION.get();
        if (connection == null) {
            throw outside(where);
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT file FROM glob(?::VARCHAR)")) {
            ps.setString(1, pattern.toString());
            try (ResultSet rs = ps.executeQuery()) {
                int matched = 0;
                while (rs.next()) {
                    if (++matched > MAX_GLOB_FILES) {
                        throw violation(where + " matches more than " + MAX_GLOB_FILES + " files; narrow the pattern");
                    }
                    Path file = Path.of(rs.getString(1)).toAbsolutePath().normalize();
                    if (!allowed(file) || !allowed(file.toRealPath())) {
                        throw outside(where);
                    }
                }
            }
        } catch (SQLException | java.io.IOException | InvalidPathException e) {
            throw outside(where);
        }
    }

    private boolean allowed(Path path) {
        boolean inside =
                fileRoots.stream().anyMatch(root -> path.startsWith(root) || path.startsWith(RealPaths.orSelf(root)));
        return inside
                && protectedFiles.stream().noneMatch(p -> {
                    Path real = RealPaths.orSelf(p);
                    return p.equals(path) || p.startsWith(path) || real.equals(path) || real.startsWith(path);
                });
    }

    private DuckbridgeException outside(String where) {
        return violation(where + " reads outside the allowed file roots "
                + (fileRoots.isEmpty() ? "(none are configured: duckbridge.query.file-roots)" : fileRoots.toString()));
    }

    private static String describe(String nodeType) {
        return switch (nodeType) {
            case "DELETE_QUERY_NODE" -> "DELETE";
            case "INSERT_QUERY_NODE" -> "INSERT";
            case "UPDATE_QUERY_NODE" -> "UPDATE";
            case "COPY_QUERY_NODE" -> "COPY";
            case "MERGE_INTO_QUERY_NODE" -> "MERGE";
            default -> nodeType.replace("_QUERY_NODE", "").replace("_NODE", "");
        };
    }

    static DuckbridgeException violation(String reason) {
        return new DuckbridgeException(ErrorClass.READ_ONLY_VIOLATION, "rejected: " + reason);
    }

    /** A least-recently-used map from text to verdict, bounded by entries. Thread-safe. */
    private static final class VerdictCache {
        private final int capacity;
        private final LinkedHashMap<String, CheckedQuery> entries;

        VerdictCache(int capacity) {
            this.capacity = capacity;
            this.entries = new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, CheckedQuery> eldest) {
                    return size() > VerdictCache.this.capacity;
                }
            };
        }

        synchronized CheckedQuery get(String sql) {
            return capacity == 0 ? null : entries.get(sql);
        }

        synchronized void put(String sql, CheckedQuery checked) {
            if (capacity > 0) {
                entries.put(sql, checked);
            }
        }

        synchronized int size() {
            return entries.size();
        }
    }
}
