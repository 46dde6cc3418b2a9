package io.duckbridge.server.openapi;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.spring.jobs.JobViews;
import io.duckbridge.spring.web.ProblemResponses;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The responses of an endpoint that starts a job and answers through {@link JobViews#respond}: {@code 202}
 * with {@code {"jobId","status"}} and a {@code Location}, or with {@code wait=true} {@code 200} and the finished
 * job. The examples are built by {@link JobViews} itself, so they have the fields the endpoints answer.
 * Stateless; thread-safe.
 */
final class JobResponses {
    static final String EXAMPLE_ID = "7f3c2a90-5b1d-4e57-9a3e-2c81f0d4b6aa";
    private static final Instant CREATED = Instant.parse("2025-03-01T02:00:00Z");
    private static final Instant STARTED = Instant.parse("2025-03-01T02:00:01Z");
    private static final Instant FINISHED = Instant.parse("2025-03-01T02:01:14Z");

    private JobResponses() {}

    /** Replaces springdoc's untyped {@code 200 *}{@code /*} of a job-starting operation with what it answers. */
    static void describe(Operation operation, JobKind kind) {
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        responses.remove("200");
        Map<String, Object> accepted = new LinkedHashMap<>();
        accepted.put("jobId", EXAMPLE_ID);
        accepted.put("status", JobStatus.QUEUED.wireName());
        Schema<?> acceptedOrRunning = new Schema<>()
                .oneOf(List.of(
                        ContractSchemas.ref(ContractSchemas.JOB_ACCEPTED), ContractSchemas.ref(ContractSchemas.JOB)));
        responses.addApiResponse(
                "202",
                new ApiResponse()
                        .description("The job started: {\"jobId\",\"status\"}; follow it at Location. With wait=true,"
                                + " a job still running when the wait ended: the job itself")
                        .addHeaderObject(
                                "Location",
                                new Header()
                                        .description("/api/v1/jobs/{jobId}, where the job can be followed (without"
                                                + " wait)")
                                        .schema(new StringSchema()))
                        .content(new Content()
                                .addMediaType(
                                        "application/json",
                                        new MediaType()
                                                .schema(acceptedOrRunning)
                                                .addExamples("accepted", new Example().value(accepted))
                                                .addExamples(
                                                        "stillRunning",
                                                        new Example()
                                                                .summary("wait=true, the wait ended first")
                                                                .value(view(running(kind)))))));
        responses.addApiResponse(
                "200",
                new ApiResponse()
                        .description("With wait=true: the finished job (succeeded or cancelled). A job that failed"
                                + " answers its error's status with problem+json instead, the job's fields included")
                        .content(new Content()
                                .addMediaType(
                                        "application/json",
                                        new MediaType()
                                                .schema(ContractSchemas.ref(ContractSchemas.JOB))
                                                .addExamples(
                                                        "succeeded", new Example().value(view(succeeded(kind)))))));
        operation.setResponses(responses);
        if (operation.getParameters() != null) {
            for (Parameter parameter : operation.getParameters()) {
                if ("wait".equals(parameter.getName())) {
                    parameter.description("Whether to answer when the job has finished (200 with the job, or its"
                            + " error) instead of at once (202); a wait longer than the server's limit ends with"
                            + " 202 and the running job");
                }
            }
        }
    }

    /**
     * Replaces springdoc's untyped {@code 200} of {@code /api/v1/jobs} (the recent jobs, {@code many}) or of an
     * operation on one job ({@code GET} and {@code DELETE /api/v1/jobs/{id}}) with the job's schema.
     */
    static void describeView(Operation operation, boolean many) {
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        Schema<?> job = ContractSchemas.ref(ContractSchemas.JOB);
        Object example = many ? List.of(view(succeeded(JobKind.SYNC))) : view(succeeded(JobKind.SYNC));
        responses.addApiResponse(
                "200",
                new ApiResponse()
                        .description(many ? "the recent jobs, newest first" : "the job")
                        .content(new Content()
                                .addMediaType(
                                        "application/json",
                                        new MediaType()
                                                .schema(many ? new ArraySchema().items(job) : job)
                                                .addExamples("example", new Example().value(example)))));
        operation.setResponses(responses);
    }

    /** The kind of job the endpoint at {@code path} starts, for its examples. */
    static JobKind kindOf(String path) {
        if (path.endsWith("/restore")) {
            return JobKind.RESTORE;
        } else if (path.startsWith("/api/v1/backups")) {
            return JobKind.BACKUP;
        } else if (path.startsWith("/api/v1/exports")) {
            return JobKind.EXPORT;
        } else if (path.startsWith("/api/v1/imports")) {
            return JobKind.IMPORT;
        } else if (path.endsWith("/optimize")) {
            return JobKind.OPTIMIZE;
        }
        return JobKind.SYNC;
    }

    /** Whether {@code operation} was described by {@link #describe}: its errors then may carry a failed job. */
    static boolean startsJob(Operation operation) {
        ApiResponse accepted = operation.getResponses() == null
                ? null
                : operation.getResponses().get("202");
        MediaType json = accepted == null || accepted.getContent() == null
                ? null
                : accepted.getContent().get("application/json");
        if (json == null || json.getSchema() == null || json.getSchema().getOneOf() == null) {
            return false;
        }
        String ref = ContractSchemas.ref(ContractSchemas.JOB_ACCEPTED).get$ref();
        for (Object alternative : json.getSchema().getOneOf()) {
            if (alternative instanceof Schema<?> schema && ref.equals(schema.get$ref())) {
                return true;
            }
        }
        return false;
    }

    /** A job as {@code GET /api/v1/jobs/{id}} answers it, for examples. */
    static Map<String, Object> view(JobSnapshot job) {
        Map<String, Object> view = JobViews.view(job);
        if (job.error() != null) {
            view.put("error", ProblemResponses.fields(job.error()));
        }
        return plain(view);
    }

    /**
     * The body a job-starting endpoint answers with {@code wait=true} when its job of this kind failed with
     * {@code error}: the problem's members, {@code jobId}, {@code jobStatus} and the job's other fields.
     */
    static Map<String, Object> failed(JobKind kind, DuckbridgeException error) {
        JobSnapshot job = new JobSnapshot(
                EXAMPLE_ID,
                kind,
                description(kind),
                JobStatus.FAILED,
                0,
                -1,
                kind.unit(),
                CREATED,
                STARTED,
                FINISHED,
                null,
                error);
        Map<String, Object> body = JobViews.failed(job);
        // the example is written without Spring's problem mix-in: the nested problem as its plain members
        body.put("error", ProblemResponses.fields(error));
        return plain(body);
    }

    private static JobSnapshot running(JobKind kind) {
        return new JobSnapshot(
                EXAMPLE_ID,
                kind,
                description(kind),
                JobStatus.RUNNING,
                kind == JobKind.EXPORT ? 42 : 402_112, // an export's COPY reports percent
                kind == JobKind.EXPORT ? 100 : 1_204_332,
                kind.unit(),
                CREATED,
                STARTED,
                null,
                null,
                null);
    }

    private static JobSnapshot succeeded(JobKind kind) {
        return new JobSnapshot(
                EXAMPLE_ID,
                kind,
                description(kind),
                JobStatus.SUCCEEDED,
                1_204_332,
                1_204_332,
                kind == JobKind.EXPORT ? "bytes" : kind.unit(), // then the bytes it published
                CREATED,
                STARTED,
                FINISHED,
                result(kind),
                null);
    }

    private static String description(JobKind kind) {
        return switch (kind) {
            case SYNC -> "sync public.orders (full)";
            case EXPORT -> "export of public.orders to s3://lake/orders";
            case IMPORT -> "import of s3://lake/orders/**/*.parquet into main.orders";
            case BACKUP -> "backup of /data/analytics.duckdb";
            case RESTORE -> "restore of backup 20250301T020000Z";
            case OPTIMIZE -> "optimize public.orders";
        };
    }

    private static Map<String, Object> result(JobKind kind) {
        Map<String, Object> result = new LinkedHashMap<>();
        switch (kind) {
            case SYNC -> {
                result.put("mode", "full");
                result.put("rows", 1_204_332);
                result.put(
                        "tables",
                        List.of(Map.of(
                                "table", "public.orders", "mode", "full", "status", "succeeded", "rows", 1_204_332)));
            }
            case EXPORT -> {
                result.put("files", List.of("s3://lake/orders/v3/part-0.parquet"));
                result.put("rows", 1_204_332);
                result.put("bytes", 48_203_114);
                result.put("manifest", "s3://lake/orders/_manifests/v3.json");
            }
            case IMPORT -> {
                result.put("table", "main.orders");
                result.put("mode", "create");
                result.put("rows", 1_204_332);
                result.put("bytes", 48_203_114);
            }
            case BACKUP -> {
                result.put("id", "20250301T020000Z");
                result.put("sizeBytes", 52_428_800);
                result.put("tables", Map.of("public.orders", 1_204_332));
                result.put("validated", true);
            }
            case RESTORE -> {
                result.put("id", "20250301T020000Z");
                result.put("tables", Map.of("public.orders", 1_204_332));
            }
            case OPTIMIZE -> result.put("table", "public.orders");
        }
        return result;
    }

    /** {@code value} as JSON types only (instants as ISO-8601 text), as the endpoints write it. */
    private static Map<String, Object> plain(Map<String, Object> value) {
        JsonMapper json = JsonMapper.shared();
        return json.readValue(json.writeValueAsBytes(value), new TypeReference<Map<String, Object>>() {});
    }
}
