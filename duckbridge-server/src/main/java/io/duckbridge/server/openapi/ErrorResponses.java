package io.duckbridge.server.openapi;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.spring.query.QueryServlet;
import io.duckbridge.spring.security.DuckbridgeSecurityAutoConfiguration;
import io.duckbridge.spring.web.ProblemResponses;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code application/problem+json} responses an operation can answer, each with examples built by
 * {@link ProblemResponses} (so type, title and status are the ones the server sends): 400 where the request
 * can be wrong, 401 unless open, 403 only where a reader's key is refused, 404/408/409/429 where the operation
 * can answer them, 500 and 503 everywhere. On a job-starting operation an error may carry the failed job
 * ({@code wait=true}). Stateless; thread-safe.
 */
final class ErrorResponses {
    private static final org.springframework.util.AntPathMatcher PATHS = new org.springframework.util.AntPathMatcher();
    /** Operations that run a query: behind the concurrency limit (429) and a timeout (408). */
    private static final Set<String> QUERIES = Set.of(
            "POST " + QueryServlet.PATH,
            "POST " + QueryEndpoints.EXPLAIN,
            "POST " + QueryEndpoints.ROWS,
            "GET /analytics/query");
    /** What the servlet and security filters write for 401 and the query limit for 429, instead of the class's title. */
    private static final String UNAUTHENTICATED_TITLE = "Authentication required";

    private static final String OVERLOADED_TITLE = "Too many queries";
    private static final String BACKUP_ID = "20250301T020000Z";

    private ErrorResponses() {}

    /** Whether a reader's key may POST to {@code path}: the security configuration's own list decides. */
    static boolean readerPost(String path) {
        return DuckbridgeSecurityAutoConfiguration.READER_POSTS.stream().anyMatch(p -> PATHS.match(p, path));
    }

    /** Whether a reader's key may DELETE {@code path}: the security configuration's own list decides. */
    static boolean readerDelete(String path) {
        return java.util.Arrays.stream(DuckbridgeSecurityAutoConfiguration.READER_DELETES)
                .anyMatch(p -> PATHS.match(p, path));
    }

    /** One example problem: its name in the document, and the failure it shows. */
    private record Case(String name, Map<String, Object> body) {}

    /** Adds the problem responses {@code operation} can answer, keeping any it describes itself. */
    static void addTo(PathItem.HttpMethod method, String path, Operation operation) {
        String endpoint = method + " " + path;
        boolean open = path.startsWith("/actuator/health");
        boolean reader = method == PathItem.HttpMethod.GET
                || method == PathItem.HttpMethod.HEAD
                || readerPost(path)
                || (method == PathItem.HttpMethod.DELETE && readerDelete(path));
        boolean job = JobResponses.startsJob(operation);
        JobKind kind = JobResponses.kindOf(path);
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();

        put(
                responses,
                job,
                "400",
                "The request is invalid: a bad value, or SQL that cannot run",
                badRequest(endpoint, path, operation));
        if (!open) {
            Map<String, Object> unauthenticated = problem(
                    ErrorClass.PERMISSION,
                    "this endpoint needs an API key: send Authorization: Bearer <key> or X-API-Key: <key>");
            unauthenticated.put("status", 401);
            unauthenticated.put("title", UNAUTHENTICATED_TITLE);
            put(
                    responses,
                    job,
                    "401",
                    "No API key, or one the server does not know",
                    List.of(new Case("permission", unauthenticated)));
        }
        if (!open && !reader) {
            put(
                    responses,
                    job,
                    "403",
                    "The endpoint needs the admin role; the key is a reader's",
                    List.of(new Case(
                            "permission",
                            problem(ErrorClass.PERMISSION, endpoint + " needs the admin role; this key is a reader"))));
        }
        put(responses, job, "404", "Not found", notFound(endpoint, path, kind, job));
        put(responses, job, "408", "Timed out", timeout(endpoint));
        put(responses, job, "409", "Conflicts with the state of the service", conflict(endpoint, kind, job));
        if (QUERIES.contains(endpoint)) {
            Map<String, Object> overloaded = problem(
                    ErrorClass.OVERLOADED, "too many queries: all slots are busy and the queue is full; retry later");
            overloaded.put("status", 429);
            overloaded.put("title", OVERLOADED_TITLE);
            put(
                    responses,
                    job,
                    "429",
                    "Too many queries: the concurrency limit and its queue are full; retry after Retry-After seconds",
                    List.of(new Case("too_many_queries", overloaded)));
        }
        put(
                responses,
                job,
                "500",
                "Internal or I/O error (the body names a log id, never a stack trace)",
                List.of(
                        new Case(
                                "internal",
                                problem(
                                        ErrorClass.INTERNAL,
                                        "internal error 5b1d0c2e-8f7a-4d2b-9c61-0e3f5a7b9d14; the server log has the details"))));
        List<Case> unavailable = new ArrayList<>();
        unavailable.add(new Case(
                "out_of_memory",
                problem(ErrorClass.OUT_OF_MEMORY, "Out of Memory Error: could not allocate block of size 256.0 KiB")));
        if (path.contains("/sync") || path.startsWith("/api/v1/cdc")) {
            unavailable.add(new Case(
                    "source_unavailable",
                    problem(
                            ErrorClass.SOURCE_UNAVAILABLE,
                            "PostgreSQL at db:5432 is unreachable: Connection refused; retry later")));
        }
        put(
                responses,
                job,
                "503",
                "Out of memory or the source is unavailable; retry after Retry-After seconds",
                unavailable);
        operation.setResponses(responses);
    }

    private static List<Case> badRequest(String endpoint, String path, Operation operation) {
        List<Case> cases = new ArrayList<>();
        if (QUERIES.contains(endpoint) && !endpoint.equals("POST " + QueryEndpoints.ROWS)) {
            cases.add(new Case(
                    "binder",
                    problem(ErrorClass.BINDER, "Binder Error: Referenced column \"totl\" not found in FROM clause!")));
            cases.add(new Case("syntax", problem(ErrorClass.SYNTAX, "Parser Error: syntax error at or near \"FORM\"")));
            cases.add(new Case(
                    "read_only_violation",
                    problem(
                            ErrorClass.READ_ONLY_VIOLATION,
                            "rejected: the query contains a DELETE statement; only reading is allowed")));
        }
        if (endpoint.equals("POST " + QueryEndpoints.ROWS)) {
            cases.add(new Case(
                    "binder",
                    problem(
                            ErrorClass.BINDER,
                            "column \"totl\" does not exist in public.orders; it has [id, customer_id, total]")));
        }
        if (hasParameter(operation, "mode") && path.contains("/sync")) {
            cases.add(new Case(
                    "invalid_request",
                    problem(ErrorClass.INVALID_REQUEST, "sync mode \"fast\" is unknown; use full or incremental")));
        } else if (path.endsWith("/optimize")) {
            cases.add(
                    new Case(
                            "invalid_request",
                            problem(
                                    ErrorClass.INVALID_REQUEST,
                                    "public.orders has no layout to optimize for; set"
                                            + " duckbridge.sync.layouts[public.orders].sort-columns (and optionally .indexes)")));
        } else if (path.equals("/api/v1/exports") || path.equals("/api/v1/imports")) {
            cases.add(new Case(
                    "invalid_request",
                    problem(
                            ErrorClass.INVALID_REQUEST,
                            "the request needs a JSON body with a "
                                    + (path.endsWith("exports") ? "target" : "source"))));
        } else if (path.startsWith("/api/v1/cdc")) {
            cases.add(new Case(
                    "invalid_request",
                    problem(
                            ErrorClass.INVALID_REQUEST,
                            "change data capture needs a source PostgreSQL: set duckbridge.postgres.url")));
        } else if (path.contains("/remote") || path.endsWith("/download")) {
            cases.add(new Case(
                    "invalid_request",
                    problem(
                            ErrorClass.INVALID_REQUEST,
                            "no remote backup location: set duckbridge.backup.s3-target (and duckbridge.lake.s3.*)")));
        } else if (path.contains("{table}") || path.contains("{model_name}")) {
            cases.add(new Case(
                    "invalid_request",
                    problem(ErrorClass.INVALID_REQUEST, "table name \"orders has an unclosed quote")));
        }
        return cases;
    }

    private static List<Case> notFound(String endpoint, String path, JobKind kind, boolean job) {
        if (path.startsWith("/api/v1/jobs/{id}")) {
            return List.of(
                    new Case("not_found", problem(ErrorClass.NOT_FOUND, "no job with id " + JobResponses.EXAMPLE_ID)));
        }
        if (path.startsWith("/api/v1/backups/{id}")) {
            return List.of(new Case(
                    "not_found",
                    problem(ErrorClass.NOT_FOUND, "no backup with id " + BACKUP_ID + " in /data/backups")));
        }
        if (endpoint.equals("GET /api/v1/tables/{table}")) {
            return List.of(new Case(
                    "not_found",
                    problem(
                            ErrorClass.NOT_FOUND,
                            "DuckDB has no table public.orders; sync it first with POST /api/v1/sync/public.orders")));
        }
        if (endpoint.equals("DELETE /api/v1/queries/{requestId}")) {
            return List.of(new Case(
                    "not_found",
                    problem(
                            ErrorClass.NOT_FOUND,
                            "no running query of yours was sent with X-Request-Id dash-7 (it may have finished"
                                    + " already)")));
        }
        if (endpoint.equals("DELETE /api/v1/tables/{table}")) {
            return List.of(new Case("not_found", problem(ErrorClass.NOT_FOUND, "DuckDB has no table public.orders")));
        }
        if (path.startsWith("/api/v1/sync") || path.startsWith("/analytics/sync/")) {
            String detail = "PostgreSQL has no table public.orderz (or it is not selected by"
                    + " duckbridge.sync.include/exclude)";
            return List.of(new Case(
                    "not_found",
                    job ? failedJob(kind, ErrorClass.NOT_FOUND, detail) : problem(ErrorClass.NOT_FOUND, detail)));
        }
        if (path.endsWith("/optimize")) {
            return List.of(new Case(
                    "not_found",
                    failedJob(kind, ErrorClass.NOT_FOUND, "table public.orders does not exist in DuckDB")));
        }
        if (path.equals("/api/v1/imports")) {
            return List.of(
                    new Case(
                            "no_files",
                            failedJob(
                                    kind,
                                    ErrorClass.NOT_FOUND,
                                    "no Parquet files match s3://lake/orders/**/*.parquet")),
                    new Case(
                            "no_table",
                            failedJob(
                                    kind, ErrorClass.NOT_FOUND, "table main.orders does not exist; use mode create")));
        }
        if (path.equals("/api/v1/exports")) {
            return List.of(new Case(
                    "no_bucket",
                    failedJob(
                            kind,
                            ErrorClass.NOT_FOUND,
                            "export to s3://lake/orders: the bucket does not exist; create it first")));
        }
        return List.of();
    }

    private static List<Case> timeout(String endpoint) {
        if (QUERIES.contains(endpoint)) {
            return List.of(new Case(
                    "timeout",
                    problem(
                            ErrorClass.TIMEOUT,
                            "the query ran longer than its timeout of 30000 ms and was cancelled")));
        }
        if (endpoint.startsWith("POST /analytics/sync/")) {
            return List.of(new Case(
                    "timeout",
                    problem(
                            ErrorClass.TIMEOUT,
                            "the sync of orders did not finish within PT10M; follow job " + JobResponses.EXAMPLE_ID)));
        }
        return List.of();
    }

    private static List<Case> conflict(String endpoint, JobKind kind, boolean job) {
        return switch (endpoint) {
            case "POST /api/v1/backups" ->
                List.of(new Case(
                        "conflict",
                        failedJob(
                                kind,
                                ErrorClass.CONFLICT,
                                "cannot start backup: another backup or restore is running")));
            case "POST /api/v1/backups/{id}/restore" ->
                List.of(
                        new Case(
                                "conflict",
                                failedJob(
                                        kind,
                                        ErrorClass.CONFLICT,
                                        "cannot start restore: another backup or restore is running")),
                        new Case(
                                "invalid_backup",
                                failedJob(
                                        kind,
                                        ErrorClass.CONFLICT,
                                        "backup " + BACKUP_ID + " is invalid and was not restored: sha256 of"
                                                + " analytics.duckdb.zst does not match the manifest")));
            case "POST /api/v1/exports" ->
                List.of(
                        new Case(
                                "conflict",
                                failedJob(kind, ErrorClass.CONFLICT, "another export to s3://lake/orders is running")),
                        new Case(
                                "target_holds_data",
                                failedJob(
                                        kind,
                                        ErrorClass.CONFLICT,
                                        "s3://lake/orders already holds data and mode is error; use mode overwrite or"
                                                + " append")));
            case "POST /api/v1/imports" ->
                List.of(new Case(
                        "conflict",
                        failedJob(
                                kind,
                                ErrorClass.CONFLICT,
                                "table main.orders already exists; use mode append or replace")));
            // refused before a job starts: change data capture keeps the table current
            case "POST /api/v1/sync/{table}", "POST /api/v1/sync", "POST /analytics/sync/{model_name}" ->
                List.of(new Case(
                        "kept_by_cdc",
                        problem(
                                ErrorClass.CONFLICT,
                                "public.orders is kept current by change data capture, which a sync from a snapshot"
                                        + " of its own would race; it needs no sync while CDC runs")));
            case "DELETE /api/v1/tables/{table}" ->
                List.of(
                        new Case(
                                "sync_running",
                                problem(
                                        ErrorClass.CONFLICT,
                                        "a sync is running; drop public.orders when it has finished (GET"
                                                + " /api/v1/jobs shows it)")),
                        new Case(
                                "kept_by_cdc",
                                problem(
                                        ErrorClass.CONFLICT,
                                        "public.orders is kept current by change data capture, which would write to"
                                                + " it again; stop CDC first (POST /api/v1/cdc/stop)")));
            default -> List.of();
        };
    }

    /** The problem body the server writes for {@code errorClass} and {@code detail}. */
    private static Map<String, Object> problem(ErrorClass errorClass, String detail) {
        return ProblemResponses.fields(new DuckbridgeException(errorClass, detail));
    }

    /** The body of a job that failed so, as a job-starting endpoint answers it with {@code wait=true}. */
    private static Map<String, Object> failedJob(JobKind kind, ErrorClass errorClass, String detail) {
        return JobResponses.failed(kind, new DuckbridgeException(errorClass, detail));
    }

    private static boolean hasParameter(Operation operation, String name) {
        return operation.getParameters() != null
                && operation.getParameters().stream().anyMatch(p -> name.equals(p.getName()));
    }

    private static void put(ApiResponses responses, boolean job, String code, String description, List<Case> cases) {
        if (cases.isEmpty() || responses.containsKey(code)) {
            return;
        }
        var media = new MediaType()
                .schema(ContractSchemas.ref(job ? ContractSchemas.JOB_PROBLEM : ContractSchemas.PROBLEM));
        for (Case c : cases) {
            media.addExamples(c.name(), new Example().value(c.body()));
        }
        var response = new ApiResponse()
                .description(
                        job
                                ? description
                                        + ". With wait=true, a job that failed so answers here, with the job's fields"
                                : description)
                .content(new Content().addMediaType("application/problem+json", media));
        int status = Integer.parseInt(code);
        if (status == 503 || status == 429) {
            response.addHeaderObject(
                    "Retry-After",
                    new Header().description("seconds to wait before retrying").schema(new IntegerSchema()));
        }
        responses.addApiResponse(code, response);
    }
}
