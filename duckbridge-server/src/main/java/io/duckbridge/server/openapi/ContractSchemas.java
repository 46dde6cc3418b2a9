package io.duckbridge.server.openapi;

import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobStatus;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The shared component schemas of the document: the problem body of every error, and the job as
 * {@code GET /api/v1/jobs/{id}} and the job-starting endpoints answer it. Stateless; thread-safe.
 */
final class ContractSchemas {
    static final String PROBLEM = "Problem";
    static final String JOB = "Job";
    static final String JOB_PROGRESS = "JobProgress";
    static final String JOB_ACCEPTED = "JobAccepted";
    static final String JOB_PROBLEM = "JobProblem";

    private ContractSchemas() {}

    /** {@code #/components/schemas/<name>}. */
    static Schema<?> ref(String name) {
        return new Schema<>().$ref("#/components/schemas/" + name);
    }

    /**
     * Adds the schemas to the document. Called from the last customizer, after springdoc has dropped the
     * schemas nothing referred to yet: added earlier (on the {@code OpenAPI} bean) they were gone before the
     * error responses came to refer to them.
     */
    static void addTo(OpenAPI openApi) {
        if (openApi.getComponents() == null) {
            openApi.setComponents(new Components());
        }
        openApi.getComponents()
                .addSchemas(PROBLEM, problem())
                .addSchemas(JOB_PROGRESS, progress())
                .addSchemas(JOB, job())
                .addSchemas(JOB_ACCEPTED, accepted())
                .addSchemas(JOB_PROBLEM, jobProblem());
    }

    private static Schema<?> problem() {
        return new ObjectSchema()
                .description("RFC 9457 problem details with Duckbridge's error class")
                .addProperty(
                        "type", new StringSchema().description("urn:duckbridge:problem:<error class in lower case>"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema().description("what went wrong and how to fix it"))
                .addProperty("instance", new StringSchema())
                .addProperty(
                        "errorClass",
                        new StringSchema()
                                ._enum(Arrays.stream(ErrorClass.values())
                                        .map(Enum::name)
                                        .toList()))
                .addProperty("position", new IntegerSchema().description("character offset of a SQL error"));
    }

    private static Schema<?> progress() {
        return new ObjectSchema()
                .addProperty("done", new IntegerSchema().format("int64").description("units done so far"))
                .addProperty(
                        "total",
                        nullable(new IntegerSchema().format("int64"), "integer")
                                .description("units in all; null while unknown"))
                .addProperty(
                        "unit",
                        nullable(new StringSchema(), "string")
                                .description("what done and total count: rows, bytes or tables"));
    }

    private static Schema<?> job() {
        return withJobFields(new ObjectSchema()
                        .description("A long-running operation, as GET /api/v1/jobs/{id} shows it")
                        .addProperty("id", new StringSchema().format("uuid"))
                        .addProperty("kind", kind())
                        .addProperty("description", new StringSchema())
                        .addProperty("status", status()))
                .required(List.of("id", "kind", "status", "progress", "createdAt"));
    }

    private static Schema<?> accepted() {
        ObjectSchema accepted = new ObjectSchema();
        accepted.setRequired(List.of("jobId", "status"));
        return accepted.description("A job just started; follow it at the Location header (GET /api/v1/jobs/{id})")
                .addProperty("jobId", new StringSchema().format("uuid"))
                .addProperty("status", status());
    }

    /**
     * The problem of a job-starting endpoint: a request refused before any job started has the problem members
     * only; with {@code wait=true} a failed job answers its error's status with the job beside them.
     */
    private static Schema<?> jobProblem() {
        Schema<?> job = withJobFields(new ObjectSchema()
                .addProperty("jobId", new StringSchema().format("uuid").description("the failed job"))
                .addProperty("jobStatus", status())
                .addProperty("id", new StringSchema().format("uuid"))
                .addProperty("kind", kind())
                .addProperty("description", new StringSchema()));
        Schema<Object> problem = new Schema<>();
        problem.setAllOf(List.of(ref(PROBLEM), job));
        return problem.description("Problem details; when the job failed (wait=true), also the job: jobId,"
                + " jobStatus (failed) and its other fields, error included, as GET /api/v1/jobs/{id} has them");
    }

    private static Schema<?> withJobFields(Schema<?> schema) {
        return schema.addProperty("progress", ref(JOB_PROGRESS))
                .addProperty("createdAt", new StringSchema().format("date-time"))
                .addProperty(
                        "startedAt",
                        nullable(new StringSchema().format("date-time"), "string")
                                .description("null while queued"))
                .addProperty(
                        "finishedAt",
                        nullable(new StringSchema().format("date-time"), "string")
                                .description("null until the job ends"))
                .addProperty(
                        "result",
                        nullable(new ObjectSchema().additionalProperties(true), "object")
                                .description("what a succeeded job produced, by kind: sync rows per table, an"
                                        + " export's files, rows, bytes and manifest, the backup made or"
                                        + " restored; null otherwise"))
                .addProperty(
                        "error",
                        oneOf(ref(PROBLEM), nullType())
                                .description("why a failed or cancelled job ended; null otherwise"));
    }

    private static Schema<?> kind() {
        return new StringSchema()
                ._enum(Arrays.stream(JobKind.values()).map(JobKind::wireName).toList());
    }

    private static Schema<?> status() {
        return new StringSchema()
                ._enum(Arrays.stream(JobStatus.values())
                        .map(JobStatus::wireName)
                        .toList());
    }

    /** {@code schema} also allowing {@code null} (OpenAPI 3.1 has no {@code nullable}). */
    private static Schema<?> nullable(Schema<?> schema, String type) {
        return schema.types(new LinkedHashSet<>(List.of(type, "null")));
    }

    static Schema<?> oneOf(Schema<?>... alternatives) {
        Schema<Object> schema = new Schema<>();
        schema.setOneOf(List.of(alternatives));
        return schema;
    }

    private static Schema<?> nullType() {
        return new Schema<>().types(new LinkedHashSet<>(List.of("null")));
    }
}
