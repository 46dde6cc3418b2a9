package io.duckbridge.core.query;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckDbErrors;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.duckdb.DuckDBConnection;
import org.duckdb.ProfilerPrintFormat;
import org.slf4j.MDC;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs user queries: checks them with the {@link QueryGuard}, binds their parameters, runs them on a
 * streaming reader of the {@link DuckDbEngine} (inside DuckDB's sandbox when the engine has one) and
 * encodes the rows into a {@link ResultTarget} as DuckDB produces them, so memory does not grow with
 * the result. Each query is recorded in the {@link QueryRecorder}. Thread-safe; owns an Arrow allocator
 * released by {@link #close()}.
 */
public final class QueryRunner implements AutoCloseable {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** The logging MDC key holding the running query's id, on the calling thread and the reader thread. */
    public static final String MDC_KEY = "queryId";

    private final DuckDbEngine engine;
    private final QueryGuard guard;
    private final QueryLimits limits;
    private final QueryRecorder recorder;
    private final Path tmpDirectory;
    private final RunningQueries running = new RunningQueries();
    private BufferAllocator allocator; // created on the first Arrow query: Arrow needs java.nio opened
    /**
     * Statement texts whose last JSON or CSV run returned fewer than {@link #SMALL_ROWS} rows; see {@link
     * #jsonEncoder}. Bounded: cleared when it holds {@link #SMALL_TEXTS} texts.
     */
    private final Set<String> smallResults = ConcurrentHashMap.newKeySet();

    /** Below this many rows (one DuckDB vector), a JSON or CSV result is cheaper to write from JDBC's rows. */
    static final int SMALL_ROWS = 2048;

    static final int SMALL_TEXTS = 10_000;

    /**
     * @param tmpDirectory where Parquet results are written before they are sent (inside the sandbox)
     */
    public QueryRunner(
            DuckDbEngine engine, QueryGuard guard, QueryLimits limits, QueryRecorder recorder, Path tmpDirectory) {
        this.engine = engine;
        this.guard = guard;
        this.limits = limits;
        this.recorder = recorder;
        this.tmpDirectory = tmpDirectory.toAbsolutePath().normalize();
    }

    public QueryGuard guard() {
        return guard;
    }

    public QueryRecorder recorder() {
        return recorder;
    }

    public QueryLimits limits() {
        return limits;
    }

    /** The queries running now under a handle their client chose, to cancel them by it. */
    public RunningQueries running() {
        return running;
    }

    /**
     * Runs {@code request} and streams its result in {@code format} to {@code target}.
     *
     * @throws DuckbridgeException READ_ONLY_VIOLATION or SYNTAX from the guard, INVALID_REQUEST for bad
     *     parameters, TIMEOUT, or the class of DuckDB's error; when it fails before {@code target} was
     *     opened nothing was written
     */
    public QueryOutcome run(QueryRequest request, QueryFormat format, ResultTarget target) {
        return run("query", request, format, target, null);
    }

    /**
     * As {@link #run(QueryRequest, QueryFormat, ResultTarget)}, cancellable through {@code running} (CANCELLED
     * when it was cancelled, also before it started).
     */
    public QueryOutcome run(
            QueryRequest request, QueryFormat format, ResultTarget target, RunningQueries.Entry running) {
        return run("query", request, format, target, running);
    }

    QueryOutcome run(String kind, QueryRequest request, QueryFormat format, ResultTarget target) {
        return run(kind, request, format, target, null);
    }

    private QueryOutcome run(
            String kind, QueryRequest request, QueryFormat format, ResultTarget target, RunningQueries.Entry running) {
        String id = UUID.randomUUID().toString();
        MDC.put(MDC_KEY, id);
        try {
            return run(id, kind, request, format, target, running);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    private QueryOutcome run(
            String id,
            String kind,
            QueryRequest request,
            QueryFormat format,
            ResultTarget target,
            RunningQueries.Entry running) {
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        Execution ex = new Execution();
        try {
            if (running != null) {
                running.refuseIfCancelled();
            }
            Duration timeout = limits.timeoutFor(request.timeout());
            long maxRows = request.maxRows() != null
                    ? request.maxRows()
                    : format == QueryFormat.JSON ? limits.defaultJsonMaxRows() : -1;
            engine.stream(timeout, session -> {
                // on a reader thread, or on this thread (see DuckDbEngine.stream): leave the MDC as found
                String outer = MDC.get(MDC_KEY);
                MDC.put(MDC_KEY, id);
                if (running != null) {
                    running.attach(session);
                }
                try {
                    execute(session, id, start, request, format, maxRows, target, ex);
                } finally {
                    if (running != null) {
                        running.detach();
                    }
                    if (outer == null) {
                        MDC.remove(MDC_KEY);
                    } else {
                        MDC.put(MDC_KEY, outer);
                    }
                }
                return null;
            });
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            record(id, request, kind, format, startedAt, start, ex, null);
            return new QueryOutcome(id, ex.columns, ex.rows, ex.out == null ? 0 : ex.out.count, ex.truncated, elapsed);
        } catch (DuckbridgeException e) {
            DuckbridgeException reported = ex.out == null
                    ? locate(request, recoverLostError(request, start, e, ex.executed), ex.executed, ex.checked)
                    : e;
            record(id, request, kind, format, startedAt, start, ex, reported.errorClass());
            throw reported;
        }
    }

    /**
     * {@code failure} with DuckDB's position when DuckDB gave one the driver's message only draws under the text:
     * for a conversion error, read from that drawing ({@link #caretPosition}); for a binder or catalog error (an
     * unknown column, table or function), from DuckDB's own {@code json_serialize_plan}, which binds the text
     * once more — only on this error path, and the text is one the guard accepted; nothing runs — and names it.
     * {@code failure} unchanged when there is none.
     */
    private DuckbridgeException locate(
            QueryRequest request, DuckbridgeException failure, String executed, CheckedQuery checked) {
        if (failure.position() != null) {
            return failure;
        }
        if (failure.errorClass() == ErrorClass.CONVERSION
                && checked != null
                && !checked.renamed().isEmpty()) {
            return locateRenamed(request.sql(), failure, executed == null ? checked.sql() : executed, checked);
        }
        Integer position = switch (failure.errorClass()) {
            case CONVERSION -> conversionPosition(failure.getMessage(), request.sql(), executed);
            case BINDER -> planPosition(request);
            default -> null;
        };
        if (position == null) {
            return failure;
        }
        String message = failure.errorClass() == ErrorClass.CONVERSION
                ? ownLines(failure.getMessage(), request.sql(), executed)
                : failure.getMessage();
        return new DuckbridgeException(failure.errorClass(), message, failure.getCause(), position);
    }

    /**
     * A CONVERSION error of a query whose {@code $name} parameters ran as {@code $index}: DuckDB drew its caret under
     * that text, so the position is mapped back into the client's text and the line it shows is the client's, with
     * the caret under the same character. {@code failure} unchanged when DuckDB drew no caret that can be mapped.
     */
    static DuckbridgeException locateRenamed(
            String sql, DuckbridgeException failure, String executed, CheckedQuery checked) {
        String message = failure.getMessage();
        Integer ran = conversionPosition(message, checked.sql(), executed);
        java.util.regex.Matcher m = message == null ? null : CARET.matcher(message);
        if (ran == null || !m.find()) {
            return failure;
        }
        int position = checked.clientPosition(ran);
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        if (position < 0 || position > bytes.length) {
            return failure;
        }
        String before = new String(bytes, 0, position, StandardCharsets.UTF_8);
        int lineStart = before.lastIndexOf('\n') + 1;
        int lineEnd = sql.indexOf('\n', before.length());
        String line = sql.substring(lineStart, lineEnd < 0 ? sql.length() : lineEnd);
        int number = (int) before.chars().filter(c -> c == '\n').count() + 1;
        String label = "LINE " + number + ": ";
        String caret = " ".repeat(label.length() + TerminalWidth.of(before.substring(lineStart))) + "^";
        String shown = message.substring(0, m.start()) + label + line + "\n" + caret + message.substring(m.end());
        return new DuckbridgeException(failure.errorClass(), shown, failure.getCause(), position);
    }

    /**
     * {@code message} with the line DuckDB names ({@code LINE 2:}) counted in the query's own text when DuckDB drew
     * it under {@code executed}, the text that ran with the query wrapped in it; unchanged otherwise.
     */
    static String ownLines(String message, String sql, String executed) {
        if (message == null || executed == null || executed.equals(sql) || caretPosition(message, sql) != null) {
            return message;
        }
        int at = executed.indexOf(SqlText.withoutTrailingSemicolons(sql));
        java.util.regex.Matcher m = CARET.matcher(message);
        if (at < 0 || !m.find()) {
            return message;
        }
        int before =
                (int) executed.substring(0, at).chars().filter(c -> c == '\n').count();
        int line = Integer.parseInt(m.group(1)) - before;
        if (line < 1) {
            return message;
        }
        String was = "LINE " + m.group(1) + ": ";
        String now = "LINE " + line + ": ";
        // the caret line is indented by the label's width: keep it under the same character
        String caret = m.group(3);
        String shifted = now.length() <= was.length()
                ? caret.substring(was.length() - now.length())
                : " ".repeat(now.length() - was.length()) + caret;
        return message.substring(0, m.start()) + now + m.group(2) + "\n" + shifted + "^" + message.substring(m.end());
    }

    /**
     * The caret's position in {@code sql}; when DuckDB drew it under {@code executed}, the text that ran with the
     * query wrapped in it (a SELECT around it that renders some columns as text), mapped back into the query's
     * own text. Null when the caret is outside it.
     */
    static Integer conversionPosition(String message, String sql, String executed) {
        Integer own = caretPosition(message, sql);
        if (own != null || executed == null || executed.equals(sql)) {
            return own;
        }
        String embedded = SqlText.withoutTrailingSemicolons(sql);
        int at = executed.indexOf(embedded);
        Integer inExecuted = caretPosition(message, executed);
        if (at < 0 || inExecuted == null) {
            return null;
        }
        int position = inExecuted - executed.substring(0, at).getBytes(StandardCharsets.UTF_8).length;
        return position >= 0 && position < embedded.getBytes(StandardCharsets.UTF_8).length ? position : null;
    }

    private Integer planPosition(QueryRequest request) {
        try {
            return engine.read(Duration.ofSeconds(2), session -> {
                try (PreparedStatement ps = session.connection().prepareStatement("SELECT json_serialize_plan(?)")) {
                    ps.setString(1, request.sql());
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? binderPosition(JSON.readTree(rs.getString(1))) : null;
                    }
                }
            });
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final java.util.regex.Pattern CARET =
            java.util.regex.Pattern.compile("LINE (\\d+): ([^\\n]*)\\n( *)\\^");

    /**
     * The position DuckDB draws under the text of an error ({@code LINE 1: select 'abc'::int} and a caret line),
     * as a 0-based offset in bytes of {@code sql}'s UTF-8 text, as DuckDB's own positions are; null unless the line
     * DuckDB shows is that line of {@code sql} whole (DuckDB shortens long lines, and the runner may have wrapped
     * the text). The caret's column is a terminal column: a wide character (CJK, full-width forms, most emoji)
     * takes two, a combining mark none ({@link TerminalWidth}).
     */
    static Integer caretPosition(String message, String sql) {
        if (message == null || sql == null) {
            return null;
        }
        java.util.regex.Matcher m = CARET.matcher(message);
        if (!m.find()) {
            return null;
        }
        int line = Integer.parseInt(m.group(1));
        int column = m.group(3).length() - ("LINE " + m.group(1) + ": ").length();
        String[] lines = sql.split("\n", -1);
        if (line < 1 || line > lines.length || column < 0) {
            return null;
        }
        String text = lines[line - 1];
        if (!text.stripTrailing().equals(m.group(2).stripTrailing())) {
            return null;
        }
        // the character that starts at that terminal column
        int index = 0;
        int width = 0;
        while (width < column && index < text.length()) {
            int cp = text.codePointAt(index);
            width += TerminalWidth.of(cp);
            index += Character.charCount(cp);
        }
        if (width != column) {
            return null;
        }
        int offset = 0;
        for (int i = 0; i < line - 1; i++) {
            offset += lines[i].getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return offset + text.substring(0, index).getBytes(StandardCharsets.UTF_8).length;
    }

    /** The {@code position} of a binder or catalog error in {@code json_serialize_plan}'s answer, or null. */
    static Integer binderPosition(JsonNode plan) {
        String type = plan.path("error_type").asString("");
        if (!plan.path("error").asBoolean(false) || !(type.equals("binder") || type.equals("catalog"))) {
            return null;
        }
        try {
            return Integer.valueOf(plan.path("position").asString(""));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The error to report for {@code failure}. When the streaming driver lost DuckDB's error (see {@link
     * DuckDbErrors#isLostStreamingError}) and nothing was sent yet, the query runs once more on a
     * materializing reader, within what is left of its timeout, so the client gets DuckDB's real error
     * class: out of memory is a 503 to retry, a conversion error a 400 to fix. When that second run
     * succeeds (the pressure was transient), the failure is reported as SOURCE_UNAVAILABLE to retry.
     */
    private DuckbridgeException recoverLostError(
            QueryRequest request, long start, DuckbridgeException failure, String executed) {
        if (!DuckDbErrors.isLostStreamingError(failure)) {
            return failure;
        }
        Duration left = limits.timeoutFor(request.timeout()).minusNanos(System.nanoTime() - start);
        if (left.toMillis() < 1) {
            return new DuckbridgeException(
                    ErrorClass.TIMEOUT, "the query failed and its timeout ran out before DuckDB's reason was known");
        }
        try {
            engine.read(left, session -> {
                CheckedQuery checked = guard.check(session.connection(), request.sql());
                // the text that failed: with its rendering for the format when it had one (a HUGEINT cast to
                // DECIMAL(38,0) for Arrow fails where the query itself runs)
                PreparedStatement ps = session.prepare(executed != null ? executed : checked.sql());
                bind(ps, checked, request);
                // materialized: DuckDB's error, if any, is thrown by executeQuery
                ps.executeQuery().close();
                return null;
            });
        } catch (DuckbridgeException real) {
            return DuckDbErrors.isLostStreamingError(real) ? failure : real;
        }
        return new DuckbridgeException(
                ErrorClass.SOURCE_UNAVAILABLE,
                "DuckDB stopped the query before its first row without saying why, and it ran when repeated"
                        + " (likely transient memory pressure); retry",
                failure);
    }

    /** Records one run of {@code run}, succeeded ({@code error} null) or failed, with what it got through. */
    private void record(
            String id,
            QueryRequest request,
            String kind,
            QueryFormat format,
            Instant startedAt,
            long start,
            Execution ex,
            ErrorClass error) {
        recorder.record(new QueryRecord(
                id,
                QueryRecorder.normalize(request.sql()),
                kind,
                format,
                startedAt,
                (System.nanoTime() - start) / 1e6,
                ex.rows,
                ex.out == null ? 0 : ex.out.count,
                ex.peakMemory,
                error));
    }

    /**
     * Runs a {@link RowQuery} from the safe builder: names are checked against the catalog and quoted,
     * values bound; then it runs like any other query (guard included).
     *
     * @throws DuckbridgeException BINDER naming an unknown table or column, INVALID_REQUEST for a bad
     *     filter, or as {@link #run}
     */
    public QueryOutcome rows(RowQuery query, QueryFormat format, ResultTarget target) {
        QueryRequest request = engine.read(
                Duration.ofSeconds(10), session -> new RowQueryBuilder().build(session.connection(), query, null));
        return run("rows", request, format, target);
    }

    /**
     * DuckDB's JSON plan of {@code request}'s query ({@code EXPLAIN (FORMAT JSON)}), or with {@code analyze}
     * its profile after running it to the end ({@code EXPLAIN (ANALYZE, FORMAT JSON)}: DuckDB drops the
     * rows itself).
     */
    public JsonNode explain(QueryRequest request, boolean analyze) {
        String id = UUID.randomUUID().toString();
        MDC.put(MDC_KEY, id);
        try {
            return explain(id, request, analyze);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    private JsonNode explain(String id, QueryRequest request, boolean analyze) {
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        Execution ex = new Execution();
        try {
            Duration timeout = limits.timeoutFor(request.timeout());
            // a materializing reader: its result is only the plan or profile, and its profiler tracks
            // every metric (streaming readers track only peak memory, see DuckDbEngine)
            JsonNode result = engine.read(timeout, session -> {
                CheckedQuery checked = guard.check(session.connection(), request.sql());
                JsonNode tree = explainJson(session, checked, request, analyze);
                if (analyze && isProfileWithoutOperators(tree)) {
                    return noOperatorProfile(explainJson(session, checked, request, false));
                }
                if (analyze) {
                    ex.peakMemory = peakMemory(tree);
                    ex.rows = Math.max(0, analyzedRows(tree));
                }
                return tree;
            });
            recorder.record(new QueryRecord(
                    id,
                    QueryRecorder.normalize(request.sql()),
                    analyze ? "explain-analyze" : "explain",
                    null,
                    startedAt,
                    (System.nanoTime() - start) / 1e6,
                    ex.rows,
                    0,
                    ex.peakMemory,
                    null));
            return result;
        } catch (DuckbridgeException failure) {
            DuckbridgeException e =
                    locate(request, analyze ? recoverLostError(request, start, failure, null) : failure, null, null);
            recorder.record(new QueryRecord(
                    id,
                    QueryRecorder.normalize(request.sql()),
                    analyze ? "explain-analyze" : "explain",
                    null,
                    startedAt,
                    (System.nanoTime() - start) / 1e6,
                    0,
                    0,
                    null,
                    e.errorClass()));
            throw e;
        }
    }

    /** DuckDB's {@code EXPLAIN (FORMAT JSON)} of {@code checked}, with {@code ANALYZE} when asked. */
    private static JsonNode explainJson(
            ReadSession session, CheckedQuery checked, QueryRequest request, boolean analyze) throws SQLException {
        // the checked text is exactly one SELECT, so nothing but it follows EXPLAIN
        PreparedStatement ps =
                session.prepare((analyze ? "EXPLAIN (ANALYZE, FORMAT JSON)\n" : "EXPLAIN (FORMAT JSON)\n")
                        + SqlText.withoutTrailingSemicolons(checked.sql()));
        bind(ps, checked, request);
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                plan.append(rs.getString(2));
            }
        }
        return JSON.readTree(plan.toString());
    }

    /**
     * Whether DuckDB's profile is its {@code {"result": "error"}} placeholder: its profiler prints that, and no
     * operator tree, when the whole plan is a {@code COLUMN_DATA_SCAN} — a result computed while planning, as for
     * {@code count(*)} of a whole table (from its statistics) or {@code VALUES}. The query did run.
     */
    static boolean isProfileWithoutOperators(JsonNode profile) {
        return profile.isObject()
                && profile.size() == 1
                && "error".equals(profile.path("result").asString(null));
    }

    /** What {@code analyze} answers when DuckDB has no operator profile: that, and the plan that ran. */
    private static JsonNode noOperatorProfile(JsonNode plan) {
        var body = JSON.createObjectNode();
        body.put("analyzed", false);
        body.put(
                "reason",
                "DuckDB ran the query but its profiler has no operator tree for it: the whole plan is a"
                        + " COLUMN_DATA_SCAN, a result computed while planning (count(*) of a whole table from its"
                        + " statistics, VALUES); the plan is below");
        body.set("plan", plan);
        return body;
    }

    private void execute(
            ReadSession session,
            String id,
            long start,
            QueryRequest request,
            QueryFormat format,
            long maxRows,
            ResultTarget target,
            Execution ex)
            throws SQLException, IOException {
        DuckDBConnection connection = session.connection();
        CheckedQuery checked = guard.check(connection, request.sql());
        ex.checked = checked;
        if (format == QueryFormat.PARQUET) {
            writeParquet(session, id, start, checked, request, maxRows, target, ex);
        } else {
            // only text the guard accepted is prepared, and a repeated text reuses its statement
            PreparedStatement ps = session.prepareCached(checked.sql());
            List<ResultColumn> declared = declaredColumns(session, ps, checked, request);
            String asText = renderedAsText(checked.sql(), declared, format);
            if (asText != null) {
                // the header keeps the query's own types; the values are DuckDB's rendering (see below)
                ps = session.prepareCached(asText);
            }
            bind(ps, checked, request);
            String text = asText != null ? asText : checked.sql();
            ex.executed = text;
            try (ResultSet rs = ps.executeQuery()) {
                checkDeadline(start, request);
                List<ResultColumn> produced = columns(rs.getMetaData());
                ex.columns = declared;
                ex.out = new CountingStream(target.open(format, id), session);
                RowEncoder encoder = switch (format) {
                    case JSON, NDJSON -> jsonEncoder(format == QueryFormat.NDJSON, id, start, produced, text);
                    case CSV -> csvEncoder(produced, text);
                    case ARROW -> new ArrowEncoder(allocator(), limits.arrowBatchSize());
                    case PARQUET -> throw new IllegalStateException("handled above");
                };
                RowEncoder.Written written;
                try {
                    written = encoder.write(rs, ex.columns, maxRows, ex.out);
                } catch (IOException e) {
                    // DuckDB failing while the result streams comes out of Arrow's reader as an IOException
                    throw DuckDbErrors.fromArrowStream(e).orElseThrow(() -> e);
                }
                ex.rows = written.rows();
                ex.truncated = written.truncated();
                if (format != QueryFormat.ARROW) {
                    rememberSize(text, !written.truncated() && written.rows() < SMALL_ROWS);
                }
            }
        }
        ex.peakMemory = peakMemory(connection);
    }

    /**
     * The result's columns as DuckDB declares them. A prepared statement has them unless a parameter's type
     * decides them (a parameter inside {@code range(?)}, a bare {@code ?} in the select list): DuckDB then
     * declares them {@code UNKNOWN} (or not at all) until the values are bound, so the query runs once with
     * {@code LIMIT 0} and the same values to learn them. Without this, such a query's dates and timestamps were rendered by the driver's
     * Java objects ({@code -infinity} came out as a date in the year 290309) and CSV of a {@code TIME 24:00}
     * failed.
     */
    private static List<ResultColumn> declaredColumns(
            ReadSession session, PreparedStatement ps, CheckedQuery checked, QueryRequest request) throws SQLException {
        ResultSetMetaData md = ps.getMetaData();
        List<ResultColumn> prepared = md == null ? null : columns(md);
        if (prepared != null && prepared.stream().noneMatch(c -> c.type().equals("UNKNOWN"))) {
            return exactTypes(session, checked, request, prepared);
        }
        PreparedStatement describe = session.prepareCached(
                "SELECT * FROM (\n" + SqlText.withoutTrailingSemicolons(checked.sql()) + "\n) LIMIT 0");
        bind(describe, checked, request);
        List<ResultColumn> described;
        try (ResultSet rs = describe.executeQuery()) {
            described = columns(rs.getMetaData());
        }
        return exactTypes(session, checked, request, described);
    }

    /**
     * {@code columns} with their types as DuckDB prints them when one holds a quoted name or label (a STRUCT's
     * field, an ENUM's labels): the driver reads a type's text through JNI's modified UTF-8, which garbles a
     * character beyond the BMP (an emoji) and cuts the rest of the text off, so such a type, shown in the JSON
     * header and used to cast the column, came out wrong (a SYNTAX error blaming valid SQL). DuckDB's
     * {@code DESCRIBE} returns the text as a value, which the driver reads intact. Other types keep the
     * driver's text.
     */
    private static List<ResultColumn> exactTypes(
            ReadSession session, CheckedQuery checked, QueryRequest request, List<ResultColumn> columns)
            throws SQLException {
        if (columns.stream().noneMatch(c -> TypeText.quotes(c.type()))) {
            return columns;
        }
        PreparedStatement describe = session.prepareCached(
                "DESCRIBE SELECT * FROM (\n" + SqlText.withoutTrailingSemicolons(checked.sql()) + "\n)");
        bind(describe, checked, request);
        List<ResultColumn> exact = new ArrayList<>(columns.size());
        try (ResultSet rs = describe.executeQuery()) {
            for (ResultColumn c : columns) {
                if (!rs.next()) {
                    return columns;
                }
                exact.add(new ResultColumn(c.name(), rs.getString("column_type")));
            }
        }
        return exact;
    }

    private void writeParquet(
            ReadSession session,
            String id,
            long start,
            CheckedQuery checked,
            QueryRequest request,
            long maxRows,
            ResultTarget target,
            Execution ex)
            throws SQLException, IOException {
        Files.createDirectories(tmpDirectory);
        Path file = tmpDirectory.resolve("query-" + id + ".parquet");
        String inner = SqlText.withoutTrailingSemicolons(checked.sql());
        try {
            // the checked text is exactly one SELECT, so its parentheses, quotes and comments are closed
            PreparedStatement describe = session.prepare("SELECT * FROM (\n" + inner + "\n) LIMIT 0");
            bind(describe, checked, request);
            List<ResultColumn> described;
            try (ResultSet rs = describe.executeQuery()) {
                described = columns(rs.getMetaData());
            }
            // after the result above is closed: a connection runs one query at a time
            ex.columns = exactTypes(session, checked, request, described);
            String asText = renderedAsText(inner, ex.columns, QueryFormat.PARQUET);
            if (asText != null) {
                inner = asText;
            }
            String select = maxRows >= 0 ? "SELECT * FROM (\n" + inner + "\n) LIMIT " + (maxRows + 1) : inner;
            if (maxRows >= 0) {
                PreparedStatement count = session.prepare("SELECT count(*) FROM (\n" + select + "\n)");
                bind(count, checked, request);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    ex.truncated = rs.getLong(1) > maxRows;
                }
                select = "SELECT * FROM (\n" + inner + "\n) LIMIT " + maxRows;
            }
            PreparedStatement copy = session.prepare("COPY (\n" + select + "\n) TO '"
                    + file.toString().replace("'", "''") + "' (FORMAT parquet, COMPRESSION zstd)");
            bind(copy, checked, request);
            ex.rows = copy.executeLargeUpdate();
            checkDeadline(start, request);
            ex.out = new CountingStream(target.open(QueryFormat.PARQUET, id), session);
            Files.copy(file, ex.out);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * TIMEOUT when the request's timeout passed before anything was sent. DuckDB checks for the interrupt
     * between chunks, so one expensive call on one row (a {@code levenshtein} of two long strings) can run past
     * it; the answer is then the timeout the client asked for, not a late 200.
     */
    private void checkDeadline(long start, QueryRequest request) {
        Duration timeout = limits.timeoutFor(request.timeout());
        if (System.nanoTime() - start > timeout.toNanos()) {
            throw new DuckbridgeException(
                    ErrorClass.TIMEOUT,
                    "the query ran longer than its timeout of " + timeout.toMillis() + " ms (DuckDB could not stop it"
                            + " sooner: one call of a function on a large value runs to its end)");
        }
    }

    static void bind(PreparedStatement ps, CheckedQuery checked, QueryRequest request) throws SQLException {
        if (!request.namedParameters().isEmpty()) {
            // names are case-insensitive, as DuckDB's are
            java.util.Map<String, Object> given = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (var entry : request.namedParameters().entrySet()) {
                if (given.containsKey(entry.getKey())) {
                    throw new DuckbridgeException(
                            ErrorClass.INVALID_REQUEST,
                            "\"params\" names $" + entry.getKey() + " twice (parameter names are case-insensitive)");
                }
                given.put(entry.getKey(), entry.getValue());
            }
            for (var entry : request.namedParameters().entrySet()) {
                if (!checked.namedParameters().containsKey(entry.getKey())) {
                    throw new DuckbridgeException(
                            ErrorClass.INVALID_REQUEST,
                            "\"params\" names $" + entry.getKey() + ", which the query does not use; it uses "
                                    + checked.namedParameters().keySet());
                }
            }
            for (var entry : checked.namedParameters().entrySet()) {
                if (!given.containsKey(entry.getKey())) {
                    throw new DuckbridgeException(
                            ErrorClass.INVALID_REQUEST,
                            "the query uses $" + entry.getKey() + " but \"params\" has no value for it");
                }
                setValue(ps, entry.getValue(), given.get(entry.getKey()));
            }
            return;
        }
        List<Object> values = request.positionalParameters();
        int expected = checked.namedParameters().size();
        if (values.size() != expected) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "the query has " + expected + " parameter(s) but \"params\" has " + values.size() + " value(s)");
        }
        for (int i = 0; i < values.size(); i++) {
            setValue(ps, i + 1, values.get(i));
        }
    }

    private static void setValue(PreparedStatement ps, int index, Object value) throws SQLException {
        switch (value) {
            case null -> ps.setNull(index, Types.NULL);
            case String s -> ps.setString(index, s);
            case Boolean b -> ps.setBoolean(index, b);
            case Integer i -> ps.setInt(index, i);
            case Long l -> ps.setLong(index, l);
            case Double d -> {
                if (d.isInfinite() || d.isNaN()) {
                    // JSON has no such numbers: a JSON number beyond DOUBLE's range was parsed into Infinity
                    throw beyondDouble(index, d);
                }
                ps.setDouble(index, d);
            }
            case Float f -> ps.setFloat(index, f);
            case BigDecimal d -> setDecimal(ps, index, d);
            // beyond 38 digits the driver bound a BigDecimal as NULL: the same rules as a fractional number
            case BigInteger b -> setDecimal(ps, index, new BigDecimal(b));
            case Short s -> ps.setShort(index, s);
            default ->
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "parameter " + index + " is a JSON "
                                + (value instanceof java.util.Map
                                        ? "object"
                                        : value instanceof java.util.List ? "array" : "value of another kind")
                                + "; use a string, number, boolean or null (cast in SQL, e.g. ?::DATE, or"
                                + " string_split(?, ',') for a list)");
        }
    }

    /**
     * A JSON number with a fraction or an exponent: as DECIMAL when DuckDB's DECIMAL(38) holds it exactly (as
     * DuckDB types the literal {@code 12.5}), else as DOUBLE; CONVERSION when not even a DOUBLE holds it
     * ({@code 1e400} had become Infinity).
     */
    private static void setDecimal(PreparedStatement ps, int index, BigDecimal value) throws SQLException {
        BigDecimal d = value.scale() < 0 ? value.setScale(0) : value;
        if (d.precision() <= 38 && d.scale() <= 38) {
            ps.setBigDecimal(index, d);
            return;
        }
        double asDouble = value.doubleValue();
        if (Double.isInfinite(asDouble) || (asDouble == 0.0 && value.signum() != 0)) {
            throw beyondDouble(index, value);
        }
        ps.setDouble(index, asDouble);
    }

    /** CONVERSION for parameter {@code index}, a JSON number no DOUBLE holds. */
    private static DuckbridgeException beyondDouble(int index, Object value) {
        return new DuckbridgeException(
                ErrorClass.CONVERSION,
                "parameter " + index + " (" + value + ") is beyond what DOUBLE holds; send it as a string and cast it"
                        + " in SQL (e.g. ?::VARCHAR)");
    }

    /**
     * {@code sql} wrapped so that DuckDB renders, as text, the columns whose values {@code format} would
     * otherwise get wrong; null when no column needs it. Casting in SQL keeps every value DuckDB can hold
     * (what read_csv or a cast reads back), where the JDBC driver's Java objects and DuckDB's Arrow and
     * Parquet writers cannot:
     *
     * <ul>
     *   <li>JSON/NDJSON: {@code DATE} as DuckDB prints it (ISO {@code 2024-02-29}; {@code infinity},
     *       {@code -infinity}, which {@code LocalDate} turns into far-off years; BC dates in ISO's signed form,
     *       {@code -0043-03-15} for DuckDB's {@code 0044-03-15 (BC)}); {@code TIMESTAMP} (any precision) and {@code TIMESTAMPTZ} in ISO form with
     *       a {@code T}, DuckDB's fraction (no trailing zeros) and a {@code ±hh:mm} offset; BC years in ISO's
     *       signed form ({@code -0043-03-15}); infinite values as DuckDB's text;
     *   <li>JSON/NDJSON: a {@code TIME} nested in a LIST, STRUCT or MAP as DuckDB's text ({@code 24:00:00}
     *       included);
     *   <li>Arrow: {@code BIT} (exported as DuckDB's internal bytes) and {@code TIMETZ} (exported without its
     *       offset) as DuckDB's text, a {@code Utf8} column; {@code HUGEINT}/{@code UHUGEINT} as
     *       {@code DECIMAL(38,0)};
     *   <li>Parquet: {@code TIMETZ} as DuckDB's text (the Parquet writer normalizes to UTC and loses the offset),
     *       and {@code INTERVAL} (Parquet's interval is unsigned months/days/milliseconds: negative values fail
     *       and microseconds are cut); {@code HUGEINT}/{@code UHUGEINT} as {@code DECIMAL(38,0)}.
     * </ul>
     *
     * Other nested values (a LIST of DATE, say) are not rewritten. Parameters keep their places: the text of
     * {@code sql} appears once.
     */
    static String renderedAsText(String sql, List<ResultColumn> columns, QueryFormat format) {
        List<String> expressions = new ArrayList<>(columns.size());
        List<String> aliases = new ArrayList<>(columns.size());
        boolean any = false;
        for (int i = 0; i < columns.size(); i++) {
            String ref = "q.c" + (i + 1);
            aliases.add("c" + (i + 1));
            String rendered = textRendering(ref, columns.get(i).type(), format);
            any |= rendered != null;
            expressions.add((rendered != null ? rendered : ref) + " AS "
                    + quoted(columns.get(i).name()));
        }
        if (!any) {
            return null;
        }
        return "SELECT " + String.join(", ", expressions) + " FROM (\n" + SqlText.withoutTrailingSemicolons(sql)
                + "\n) AS q(" + String.join(", ", aliases) + ")";
    }

    private static String textRendering(String ref, String type, QueryFormat format) {
        String t = type.toUpperCase(java.util.Locale.ROOT);
        return switch (format) {
            case JSON, NDJSON -> {
                String temporal = jsonTemporal(ref, t);
                if (temporal != null) {
                    yield temporal;
                }
                String element = t.endsWith("[]") ? jsonTemporal("v", t.substring(0, t.length() - 2)) : null;
                if (element != null) {
                    // a LIST of dates or timestamps: each element as at the top level (the driver's java.time
                    // objects turned BC years into AD ones and infinity into far-off dates)
                    yield "list_transform(" + ref + ", lambda v: " + element + ")";
                }
                boolean nested = TypeText.nested(type);
                if (nested && TypeText.quotedNameBeyondBmp(type)) {
                    // the driver garbles a STRUCT field's name with a character beyond the BMP (two such names
                    // could become one JSON key, losing a value): the whole value as DuckDB's text
                    yield ref + "::VARCHAR";
                }
                // the driver decodes an ENUM's label itself and garbles 4-byte UTF-8 (emoji), and reads a nested TIME
                // as LocalTime and a nested TIMETZ as OffsetTime, which cannot hold 24:00:00 (the whole query
                // failed): the same type, nesting kept (a LIST of ENUM stays a JSON array), with those as DuckDB's
                // text
                yield castTo(ref, type, name -> switch (name) {
                    case "ENUM" -> "VARCHAR";
                    case "TIME", "TIME_NS", "TIMETZ" -> nested ? "VARCHAR" : null;
                    default -> null;
                });
            }
            case ARROW -> {
                // BIT and BIGNUM go out as DuckDB's internal bytes, TIMETZ without its offset, HUGEINT as a decimal
                // that wraps UHUGEINT's large values: at any depth. An INTERVAL deeper than a LIST cannot be checked
                // against Arrow's range (below), so it goes as text.
                boolean deepInterval = !t.equals("INTERVAL") && !t.equals("INTERVAL[]");
                String cast = castTo(ref, type, name -> switch (name) {
                    case "BIT", "BIGNUM", "VARINT", "TIMETZ" -> "VARCHAR";
                    case "HUGEINT", "UHUGEINT" -> "DECIMAL(38,0)";
                    case "INTERVAL" -> deepInterval ? "VARCHAR" : null;
                    default -> null;
                });
                yield cast != null ? cast : intervalInArrowRange(ref, t);
            }
            // the Parquet writer normalizes TIMETZ to UTC (the offset is lost), writes INTERVAL as unsigned
            // months/days/milliseconds (negative values fail, microseconds are cut) and HUGEINT as DOUBLE: at any
            // depth
            case PARQUET ->
                castTo(ref, type, name -> switch (name) {
                    case "TIMETZ", "INTERVAL" -> "VARCHAR";
                    case "HUGEINT", "UHUGEINT" -> "DECIMAL(38,0)";
                    default -> null;
                });
            // CSV holds DuckDB's own text for what JDBC's objects cannot show (infinite or BC dates and timestamps,
            // 24:00, every offset, an ENUM label with an emoji) and for every nested value (what read_csv casts
            // back): those columns are cast by DuckDB; the others keep their types (and the column-wise writer)
            case CSV ->
                TEMPORAL.matcher(type).find() || TypeText.nested(type) || TypeText.mentions(type, "ENUM")
                        ? ref + "::VARCHAR"
                        : null;
        };
    }

    /**
     * {@code text}, DuckDB's rendering of a DATE or TIMESTAMP, with a BC year in ISO 8601's signed form, as the
     * driver renders dates nested in a LIST: {@code 0044-03-15 (BC)} becomes {@code -0043-03-15} (1 BC is year
     * 0000), {@code 4713-01-01 (BC) 00:00:01.5} becomes {@code -4712-01-01 00:00:01.5}. Other values unchanged.
     */
    private static String isoYear(String text) {
        String year = "CAST(regexp_extract(" + text + ", '^(\\d+)', 1) AS BIGINT)";
        return "CASE WHEN " + text + " LIKE '%(BC)%' THEN printf('%s%04d', CASE WHEN " + year + " = 1 THEN '' ELSE '-'"
                + " END, " + year + " - 1) || regexp_replace(" + text
                + ", '^\\d+(-\\d\\d-\\d\\d) \\(BC\\)', '\\1') ELSE "
                + text + " END";
    }

    /**
     * The JSON rendering of a DATE, TIMESTAMP (any precision), TIMESTAMPTZ or TIMETZ {@code ref} (type {@code t},
     * upper case), or null for other types.
     */
    private static String jsonTemporal(String ref, String t) {
        if (t.equals("DATE")) {
            return isoYear(ref + "::VARCHAR");
        }
        if (t.equals("TIMESTAMP") || t.equals("TIMESTAMP_S") || t.equals("TIMESTAMP_MS") || t.equals("TIMESTAMP_NS")) {
            // 'T' between date and time; infinite values do not match
            return "regexp_replace(" + isoYear(ref + "::VARCHAR") + ", '^(-?\\d+-\\d\\d-\\d\\d) (\\d)', '\\1T\\2')";
        }
        if (t.equals("TIMESTAMPTZ") || t.equals("TIMESTAMP WITH TIME ZONE")) {
            return "regexp_replace(regexp_replace(" + isoYear(ref + "::VARCHAR")
                    + ", '^(-?\\d+-\\d\\d-\\d\\d) (\\d)', '\\1T\\2'), '([+-]\\d\\d)$', '\\1:00')";
        }
        if (t.equals("TIMETZ") || t.equals("TIME WITH TIME ZONE")) {
            // the driver's OffsetTime cannot hold 24:00:00 (the query failed); the offset as +hh:mm
            return "regexp_replace(" + ref + "::VARCHAR, '([+-]\\d\\d)$', '\\1:00')";
        }
        return null;
    }

    /** {@code ref} cast to {@code type} with the types {@code replace} names replaced (see TypeText), or null. */
    private static String castTo(String ref, String type, java.util.function.UnaryOperator<String> replace) {
        String mapped = TypeText.map(type, replace);
        return mapped.equals(type) ? null : ref + "::" + mapped;
    }

    /**
     * An INTERVAL column (or a LIST of them) checked against Arrow's interval, whose time part is int64
     * nanoseconds: DuckDB's Arrow export multiplies the microseconds by 1000 and a time part beyond about
     * ±2,562,047 hours wrapped around (the sign flipped). Such a value fails the query (400 naming the fix)
     * instead; null for other types. (An INTERVAL deeper inside a STRUCT or MAP is not checked.)
     */
    private static String intervalInArrowRange(String ref, String type) {
        String fits = "abs(date_part('hour', %1$s) * 3600000000 + date_part('minute', %1$s) * 60000000"
                + " + date_part('microseconds', %1$s)) <= " + (Long.MAX_VALUE / 1000);
        String error = "error('an INTERVAL with a time part beyond ±2562047 hours has no Arrow form (its"
                + " nanoseconds overflow); ask for JSON, CSV or Parquet, or cast the column to VARCHAR')";
        if (type.equals("INTERVAL")) {
            return "CASE WHEN " + ref + " IS NULL OR " + String.format(fits, ref) + " THEN " + ref + " ELSE " + error
                    + " END";
        }
        if (type.equals("INTERVAL[]")) {
            return "CASE WHEN " + ref + " IS NULL OR coalesce(list_bool_and(list_transform(" + ref
                    + ", lambda v: v IS NULL OR " + String.format(fits, "v") + ")), true) THEN " + ref + " ELSE "
                    + error
                    + " END";
        }
        return null;
    }

    private static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static final java.util.regex.Pattern TEMPORAL =
            java.util.regex.Pattern.compile("(?i)\\b(DATE|TIME|TIMESTAMP|TIMETZ|TIMESTAMPTZ)(_[A-Z]+)?\\b");

    static List<ResultColumn> columns(ResultSetMetaData md) throws SQLException {
        List<ResultColumn> columns = new ArrayList<>(md.getColumnCount());
        for (int i = 1; i <= md.getColumnCount(); i++) {
            String type = md.getColumnTypeName(i);
            // the type of an untyped NULL comes quoted ("NULL"), as a name would
            if (type.length() > 1 && type.startsWith("\"") && type.endsWith("\"")) {
                type = type.substring(1, type.length() - 1);
            }
            columns.add(new ResultColumn(md.getColumnName(i), type));
        }
        return columns;
    }

    private static Long peakMemory(DuckDBConnection connection) {
        try {
            return peakMemory(JSON.readTree(connection.getProfilingInformation(ProfilerPrintFormat.JSON)));
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }

    private static Long peakMemory(JsonNode profile) {
        JsonNode system = profile.path("system");
        if (system.has("peak_buffer_memory")) {
            return system.get("peak_buffer_memory").asLong()
                    + system.path("peak_streaming_buffer_size").asLong(0);
        }
        return null;
    }

    /** The rows the analyzed query produced: those entering DuckDB's EXPLAIN_ANALYZE operator. */
    private static long analyzedRows(JsonNode node) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                long rows = analyzedRows(child);
                if (rows >= 0) {
                    return rows;
                }
            }
            return -1;
        }
        if (!node.isObject()) {
            return -1;
        }
        if ("EXPLAIN_ANALYZE".equals(node.path("type").asString(""))) {
            return node.path("children").path(0).path("intermediate_rows").asLong(0);
        }
        for (String field : List.of("operator", "children")) {
            long rows = analyzedRows(node.path(field));
            if (rows >= 0) {
                return rows;
            }
        }
        return -1;
    }

    /**
     * The column-wise writer over DuckDB's Arrow export when every column has a simple type and Arrow is
     * usable in this JVM; otherwise the value-by-value writer. Both write the same bytes. The Arrow writer
     * is the fast one per row, but opening DuckDB's Arrow stream and importing its batches costs about 0.1 ms
     * per query (measured on the small query of the query benchmark, a tenth of its time over HTTP), more
     * than a few rows take through JDBC. So when the last run of the same text (a dashboard's repeated
     * query) returned less than one vector of rows, the value-by-value writer is used; a result that has
     * grown is still written correctly, and its size decides the next run.
     */
    private RowEncoder jsonEncoder(boolean ndjson, String id, long start, List<ResultColumn> columns, String text) {
        return textEncoder(
                columns,
                text,
                allocator -> new VectorJsonEncoder(ndjson, id, start, allocator, limits.arrowBatchSize()),
                () -> new JsonEncoder(ndjson, id, start));
    }

    /** As {@link #jsonEncoder}, for CSV. */
    private RowEncoder csvEncoder(List<ResultColumn> columns, String text) {
        return textEncoder(
                columns, text, allocator -> new VectorCsvEncoder(allocator, limits.arrowBatchSize()), CsvEncoder::new);
    }

    /** The column-wise writer when it applies (see {@link #jsonEncoder}), else the value-by-value one. */
    private RowEncoder textEncoder(
            List<ResultColumn> columns,
            String text,
            java.util.function.Function<BufferAllocator, RowEncoder> columnWise,
            java.util.function.Supplier<RowEncoder> valueByValue) {
        if (ArrowTextEncoder.supports(columns) && !smallResults.contains(text)) {
            try {
                return columnWise.apply(allocator());
            } catch (DuckbridgeException arrowUnavailable) {
                // java.nio not opened to Arrow: the JDBC path needs nothing extra
            }
        }
        return valueByValue.get();
    }

    private void rememberSize(String text, boolean small) {
        if (!small) {
            smallResults.remove(text);
            return;
        }
        if (smallResults.size() >= SMALL_TEXTS) {
            smallResults.clear(); // many one-off texts: start over rather than keep an unbounded map
        }
        smallResults.add(text);
    }

    /** Whether the last JSON or CSV run of {@code text} was small (see {@link #jsonEncoder}); for tests. */
    boolean remembersSmallResult(String text) {
        return smallResults.contains(text);
    }

    /** Bytes of Arrow memory the runner's queries hold now: 0 between queries, unless one leaked. */
    synchronized long arrowMemory() {
        return allocator == null ? 0 : allocator.getAllocatedMemory();
    }

    private synchronized BufferAllocator allocator() {
        if (allocator == null) {
            try {
                allocator = new RootAllocator();
            } catch (RuntimeException | LinkageError e) {
                throw new DuckbridgeException(
                        ErrorClass.INTERNAL,
                        "the Arrow format needs the JVM option --add-opens=java.base/java.nio=ALL-UNNAMED"
                                + " (the server jar sets it in its manifest): " + e.getMessage(),
                        e);
            }
        }
        return allocator;
    }

    @Override
    public synchronized void close() {
        if (allocator != null) {
            allocator.close();
        }
    }

    /** What one execution produced so far; written by the reader thread, read after it finished. */
    private static final class Execution {
        volatile List<ResultColumn> columns = List.of();
        volatile CountingStream out;
        volatile long rows;
        volatile boolean truncated;
        volatile Long peakMemory;
        /** The text run for the result, the query's own or its rendering for the format; null before. */
        volatile String executed;
        /** What the guard accepted; null before. */
        volatile CheckedQuery checked;
    }

    /**
     * Counts bytes, and never flushes or closes the caller's stream: the encoders flush their own buffers
     * into it when they finish, and the caller sends what is left. A small result then stays in the
     * servlet's buffer until the response completes, and goes out in one write with a Content-Length
     * instead of a flushed chunk followed by the last-chunk marker.
     *
     * <p>Also stops the result once its session was stopped (a cancel, the timeout): DuckDB does not interrupt a
     * result that is already streaming, it hands out the next chunk whatever happened, so the encoder's next write
     * ends it instead (the engine reports CANCELLED or TIMEOUT, and the client sees the body break off).
     */
    private static final class CountingStream extends FilterOutputStream {
        private final ReadSession session;
        volatile long count;

        CountingStream(OutputStream out, ReadSession session) {
            super(out);
            this.session = session;
        }

        @Override
        public void write(int b) {
            stopIfStopped();
            try {
                out.write(b);
            } catch (IOException e) {
                throw sendFailed(e);
            }
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            stopIfStopped();
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw sendFailed(e);
            }
            count += len;
        }

        /**
         * IO for a write the connection refused — in practice a client that closed it mid-result. Raised here, so
         * an encoder's own wrapping of the IOException (Jackson's) never makes it look like a server fault.
         */
        private static DuckbridgeException sendFailed(IOException e) {
            return new DuckbridgeException(
                    ErrorClass.IO, "sending the result failed (the client may have closed the connection): " + e, e);
        }

        private void stopIfStopped() {
            if (session != null && session.cancelled()) {
                throw new DuckbridgeException(ErrorClass.CANCELLED, "the query was stopped while its result streamed");
            }
        }

        @Override
        public void flush() {
            // the caller's stream is flushed by the caller
        }

        @Override
        public void close() {
            // the caller's stream is closed by the caller
        }
    }
}
