package io.duckbridge.spring.query;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.query.QueryAdmission;
import io.duckbridge.core.query.QueryFormat;
import io.duckbridge.core.query.QueryOutcome;
import io.duckbridge.core.query.QueryRecord;
import io.duckbridge.core.query.QueryRequest;
import io.duckbridge.core.query.QueryRunner;
import io.duckbridge.core.query.QueryStats;
import io.duckbridge.core.query.ResultTarget;
import io.duckbridge.core.query.RowQuery;
import io.duckbridge.spring.web.ProblemResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The query API beside {@code POST /api/v1/query} (served by {@link QueryServlet}):
 * {@code POST /api/v1/query/explain}, {@code POST /api/v1/tables/{table}/rows}, {@code GET /api/v1/queries/stats}, {@code GET /api/v1/queries/recent}
 * and the seed-compatible {@code GET /analytics/query}. Failures before the first byte become problem+json
 * through the shared advice; the concurrency limit answers 429 with {@code Retry-After}. Thread-safe.
 */
@RestController
public class QueryController {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final QueryRunner runner;
    private final QueryAdmission admission;

    public QueryController(QueryRunner runner, QueryAdmission admission) {
        this.runner = runner;
        this.admission = admission;
    }

    @PostMapping(path = "/api/v1/query/explain", consumes = MediaType.APPLICATION_JSON_VALUE)
    public JsonNode explain(@RequestBody Map<String, Object> body) {
        QueryRequest request = request(body, EXPLAIN_FIELDS);
        Object analyzeField = body.get("analyze");
        if (analyzeField != null && !(analyzeField instanceof Boolean)) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "\"analyze\" must be true or false, not " + describe(analyzeField));
        }
        boolean analyze = Boolean.TRUE.equals(analyzeField);
        return admission.admit(() -> runner.explain(request, analyze));
    }

    /**
     * The safe query builder: {@code {"columns":[..],"filters":{..},"orderBy":["col desc"],"limit":100}}.
     * Names are checked against the catalog (unknown ones are 400 BINDER), values are bound.
     */
    @PostMapping(path = "/api/v1/tables/{table}/rows", consumes = MediaType.APPLICATION_JSON_VALUE)
    @SuppressWarnings("unchecked")
    public void rows(
            @PathVariable("table") String table,
            @RequestBody(required = false) Map<String, Object> body,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
            HttpServletResponse response) {
        QueryFormat format = QueryFormat.fromAccept(accept);
        if (format == null) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, unknownAccept(accept));
        }
        Map<String, Object> b = body == null ? Map.of() : body;
        knownFields(b, ROWS_FIELDS);
        Long limit = wholeNumber(b, "limit", "100");
        RowQuery query;
        try {
            query = new RowQuery(
                    table,
                    (List<String>) b.get("columns"),
                    (Map<String, Object>) b.get("filters"),
                    (List<String>) b.get("orderBy"),
                    limit == null ? null : clampToInt(limit));
        } catch (ClassCastException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "\"columns\" and \"orderBy\" are lists of strings, \"filters\" is an object");
        }
        HttpResult result = new HttpResult(response);
        result.finished(admission.admit(() -> runner.rows(query, format, result)));
    }

    /**
     * Cancels the running {@code POST /api/v1/query} requests sent with {@code X-Request-Id: requestId}: the
     * caller's own, or anyone's for an admin. They answer 499 CANCELLED (a result already streaming breaks off).
     */
    @DeleteMapping("/api/v1/queries/{requestId}")
    public Map<String, Object> cancel(@PathVariable String requestId, HttpServletRequest request) {
        if (!io.duckbridge.spring.metrics.RequestIdFilter.ACCEPTED
                .matcher(requestId)
                .matches()) {
            // no query can have such an id: the server replaces an X-Request-Id of another form by a new one
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "\"" + requestId + "\" is not a request id; X-Request-Id takes 1-64 letters, digits, '.', '_', ':'"
                            + " or '-'");
        }
        Principal caller = request.getUserPrincipal();
        boolean admin = caller == null || request.isUserInRole("ADMIN");
        int cancelled = runner.running().cancel(requestId, caller == null ? null : caller.getName(), admin);
        if (cancelled == 0) {
            throw new DuckbridgeException(
                    ErrorClass.NOT_FOUND,
                    "no running query of yours was sent with X-Request-Id " + requestId
                            + " (it may have finished already)");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", requestId);
        body.put("cancelled", cancelled);
        return body;
    }

    @GetMapping("/api/v1/queries/stats")
    public QueryStats stats() {
        return runner.recorder().stats();
    }

    @GetMapping("/api/v1/queries/recent")
    public List<Map<String, Object>> recent(
            @RequestParam(name = "slowerThanMs", required = false) Long slowerThanMs,
            @RequestParam(name = "limit", defaultValue = "100") int limit) {
        if (limit < 0 || (slowerThanMs != null && slowerThanMs < 0)) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "\"limit\" and \"slowerThanMs\" cannot be negative; e.g. ?limit=20&slowerThanMs=1000");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (QueryRecord r : runner.recorder()
                .recent(slowerThanMs == null ? null : Duration.ofMillis(slowerThanMs), Math.min(limit, 1000))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("queryId", r.queryId());
            m.put("sql", r.normalizedSql());
            m.put("kind", r.kind());
            m.put("format", r.format() == null ? null : r.format().mediaType());
            m.put("startedAt", r.startedAt().toString());
            m.put("durationMs", r.durationMs());
            m.put("rows", r.rows());
            m.put("bytes", r.bytes());
            m.put("peakMemoryBytes", r.peakMemoryBytes());
            m.put("errorClass", r.errorClass() == null ? null : r.errorClass().name());
            out.add(m);
        }
        return out;
    }

    /**
     * {@code {"data":[{col: value}], "row_count": N, "columns": [..]}}, same guard and limits. The body keeps the
     * seed's shape, so a result cut at the JSON row limit says so in the {@value #TRUNCATED_HEADER} header.
     */
    @GetMapping("/analytics/query")
    public Map<String, Object> analyticsQuery(@RequestParam("query") String query, HttpServletResponse response) {
        if (query.isBlank()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "the query parameter is empty; e.g. /analytics/query?query=SELECT%201");
        }
        var buffer = new ByteArrayOutputStream();
        QueryOutcome outcome = admission.admit(() -> runner.run(QueryRequest.of(query), QueryFormat.JSON, f -> buffer));
        response.setHeader(QUERY_ID_HEADER, outcome.queryId());
        JsonNode result = JSON.readTree(buffer.toByteArray());
        List<String> columns = new ArrayList<>();
        for (JsonNode c : result.path("columns")) {
            columns.add(c.path("name").asString());
        }
        List<Map<String, Object>> data = new ArrayList<>();
        for (JsonNode row : result.path("rows")) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                m.put(columns.get(i), row.get(i));
            }
            data.add(m);
        }
        if (result.path("truncated").asBoolean(false)) {
            response.setHeader(TRUNCATED_HEADER, "true");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", data);
        body.put("row_count", data.size());
        body.put("columns", columns);
        return body;
    }

    /** The query's id on every result, as {@code queryId} in the JSON body and in the query records. */
    static final String QUERY_ID_HEADER = "X-Duckbridge-Query-Id";

    /** Set to {@code true} on a seed-compatible answer that holds only the first rows of the result. */
    static final String TRUNCATED_HEADER = "X-Duckbridge-Truncated";

    /** The title of the 429 problem answered beyond the concurrency limit (here and by {@link QueryServlet}). */
    static final String OVERLOADED_TITLE = "Too many queries";

    @ExceptionHandler(QueryAdmission.Overloaded.class)
    public ResponseEntity<ProblemDetail> overloaded(QueryAdmission.Overloaded e) {
        // OVERLOADED: 429 with Retry-After, counted by the error metrics like every other problem
        ProblemDetail problem = ProblemResponses.problem(e);
        problem.setTitle(OVERLOADED_TITLE);
        return ProblemResponses.responseFor(e).body(problem);
    }

    /** The message for an {@code Accept} header that names no format. */
    static String unknownAccept(String accept) {
        return "Accept \"" + accept + "\" names no format Duckbridge produces; use application/json,"
                + " application/x-ndjson, text/csv, application/vnd.apache.arrow.stream or"
                + " application/vnd.apache.parquet";
    }

    /**
     * Where a result goes: {@code response}'s body, with status 200 and the format's media type. JSON says in
     * its body when {@code maxRows} cut the result; the streamed formats cannot, so for them the response
     * announces the trailer {@value #TRUNCATED_HEADER} ({@code Trailer} header, chunked body) and sends it as
     * {@code true} after the last row when the result was cut. A cut result still short enough to be
     * unsent when the query ends also gets the header itself, in any format.
     */
    static final class HttpResult implements ResultTarget {
        private final HttpServletResponse response;
        private volatile boolean truncated;

        HttpResult(HttpServletResponse response) {
            this.response = response;
        }

        @Override
        public OutputStream open(QueryFormat f) throws IOException {
            return open(f, null);
        }

        @Override
        public OutputStream open(QueryFormat f, String queryId) throws IOException {
            response.setStatus(200);
            if (queryId != null) {
                // every format, so a CSV or Arrow download can be matched to its /api/v1/queries/recent record
                response.setHeader(QUERY_ID_HEADER, queryId);
            }
            response.setContentType(
                    f == QueryFormat.JSON || f == QueryFormat.NDJSON || f == QueryFormat.CSV
                            ? f.mediaType() + ";charset=UTF-8"
                            : f.mediaType());
            if (f != QueryFormat.JSON) {
                try {
                    response.setTrailerFields(() -> truncated ? Map.of(TRUNCATED_HEADER, "true") : Map.of());
                    response.setHeader("Trailer", TRUNCATED_HEADER);
                } catch (IllegalStateException e) {
                    // HTTP/1.0 has no trailers: the response goes without
                }
            }
            return response.getOutputStream();
        }

        /** Records how the query ended, for the trailer (and the header while nothing was sent). */
        QueryOutcome finished(QueryOutcome outcome) {
            truncated = outcome.truncated();
            if (truncated && !response.isCommitted()) {
                response.setHeader(TRUNCATED_HEADER, "true");
            }
            return outcome;
        }
    }

    /** The fields of a {@code POST /api/v1/query} body. */
    static final List<String> QUERY_FIELDS = List.of("sql", "params", "maxRows", "timeoutMs");

    private static final List<String> EXPLAIN_FIELDS = List.of("sql", "params", "maxRows", "timeoutMs", "analyze");
    private static final List<String> ROWS_FIELDS = List.of("columns", "filters", "orderBy", "limit");

    /**
     * INVALID_REQUEST naming a field the endpoint does not know: a misspelt {@code "timeout"} or {@code "colums"}
     * would otherwise be ignored without a word, and the request run with defaults the caller did not mean.
     */
    static void knownFields(Map<String, Object> body, List<String> known) {
        for (String field : body.keySet()) {
            if (!known.contains(field)) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "unknown field \"" + field + "\" in the request body; the fields are " + known);
            }
        }
    }

    private static String describe(Object value) {
        return value instanceof String text ? "\"" + text + "\"" : String.valueOf(value);
    }

    /** The query of a {@code POST /api/v1/query} body. */
    static QueryRequest request(Map<String, Object> body) {
        return request(body, QUERY_FIELDS);
    }

    private static QueryRequest request(Map<String, Object> body, List<String> known) {
        knownFields(body, known);
        Object sql = body.get("sql");
        if (!(sql instanceof String text)) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "\"sql\" is missing or not a string");
        }
        Long maxRows = wholeNumber(body, "maxRows", "10000");
        Long timeoutMs = wholeNumber(body, "timeoutMs", "30000");
        return QueryRequest.of(
                text,
                body.get("params"),
                maxRows == null ? null : clampToInt(maxRows),
                timeoutMs == null ? null : Duration.ofMillis(timeoutMs));
    }

    private static int clampToInt(long value) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(Integer.MIN_VALUE, value));
    }

    /** {@code body[field]} as a whole number, null when absent or null; INVALID_REQUEST for anything else. */
    private static Long wholeNumber(Map<String, Object> body, String field, String example) {
        Object value = body.get(field);
        if (value == null) {
            return null;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof java.math.BigInteger big) {
            return big.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        throw new DuckbridgeException(
                ErrorClass.INVALID_REQUEST,
                "\"" + field + "\" must be a whole number, not " + describe(value) + "; use e.g. " + example);
    }
}
