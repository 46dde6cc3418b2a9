package io.duckbridge.server.openapi;

import io.duckbridge.core.query.RowQuery;
import io.duckbridge.spring.query.QueryServlet;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.BooleanSchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query API as API.md has it: {@code POST /api/v1/query} (a servlet springdoc does not scan), and the
 * bodies and results of {@code POST /api/v1/query/explain} and {@code POST /api/v1/tables/{table}/rows}, whose
 * handlers take and give untyped JSON. Stateless; thread-safe.
 */
final class QueryEndpoints {
    static final String EXPLAIN = "/api/v1/query/explain";
    static final String ROWS = "/api/v1/tables/{table}/rows";

    private QueryEndpoints() {}

    /** {@code POST /api/v1/query}, served by {@link QueryServlet}. */
    static PathItem queryPath() {
        ObjectSchema body = new ObjectSchema();
        body.addProperty("sql", new StringSchema().description("one read-only SQL statement"))
                .addProperty("params", params())
                .addProperty(
                        "maxRows",
                        new IntegerSchema()
                                .description("rows at most; JSON defaults to 10,000 and then says truncated: true"))
                .addProperty("timeoutMs", timeoutMs());
        body.setRequired(List.of("sql"));
        ApiResponses responses = new ApiResponses()
                .addApiResponse(
                        "200",
                        new ApiResponse().description("the result, streamed").content(resultContent()));
        Operation post = new Operation()
                .operationId("query")
                .summary("Run one read-only SQL query")
                .description("The Accept header picks the format (application/json when absent). Anything but a"
                        + " single read-only statement is 400 READ_ONLY_VIOLATION.")
                .addTagsItem("query-controller")
                .requestBody(new RequestBody()
                        .required(true)
                        .content(new Content().addMediaType("application/json", new MediaType().schema(body))))
                .responses(responses);
        return new PathItem().post(post);
    }

    /** {@code POST /api/v1/query/explain}: its body's fields, and DuckDB's plan or profile as free-form JSON. */
    static void describeExplain(Operation operation) {
        ObjectSchema body = new ObjectSchema();
        body.addProperty("sql", new StringSchema().description("one read-only SQL statement to plan"))
                .addProperty("params", params())
                .addProperty(
                        "analyze",
                        new BooleanSchema()
                                ._default(false)
                                .description("Whether to run the query and answer DuckDB's profile (EXPLAIN"
                                        + " ANALYZE) instead of its plan"))
                .addProperty("timeoutMs", timeoutMs());
        body.setRequired(List.of("sql"));
        operation.requestBody(jsonBody(body, Map.of("sql", "SELECT sum(amount) FROM orders", "analyze", true)));
        Schema<?> plan = new ArraySchema()
                .items(new ObjectSchema().additionalProperties(true))
                .description(
                        "without analyze: DuckDB's JSON plan, operator trees with name, children and" + " extra_info");
        Schema<?> profile = new ObjectSchema()
                .additionalProperties(true)
                .description("with analyze: DuckDB's JSON profile (timings, cardinalities, system metrics such as"
                        + " peak_buffer_memory); {\"analyzed\": false, \"reason\", \"plan\"} when DuckDB computed"
                        + " the result while planning and has no profile");
        operation.setResponses(response(
                operation,
                new ApiResponse()
                        .description("DuckDB's plan or profile, in DuckDB's own JSON")
                        .content(new Content()
                                .addMediaType(
                                        "application/json",
                                        new MediaType().schema(new Schema<>().oneOf(List.of(plan, profile)))))));
    }

    /**
     * {@code POST /api/v1/tables/{table}/rows}: the query builder's fields, and the formats of
     * {@code /api/v1/query} chosen by Accept.
     */
    static void describeRows(Operation operation) {
        ObjectSchema body = new ObjectSchema();
        body.addProperty(
                        "columns",
                        new ArraySchema()
                                .items(new StringSchema())
                                .description("the columns to answer, in order; all when absent"))
                .addProperty(
                        "filters",
                        new ObjectSchema()
                                .additionalProperties(new Schema<>()
                                        .description("a value (equals), a list of values (any of them) or {\"op\","
                                                + " \"value\"} with op one of =, !=, <, <=, >, >=, like"))
                                .description("column name to condition, all of them must hold; values are bound"))
                .addProperty(
                        "orderBy",
                        new ArraySchema()
                                .items(new StringSchema())
                                .description("column names, each optionally followed by asc or desc"))
                .addProperty(
                        "limit",
                        new IntegerSchema()
                                ._default(RowQuery.DEFAULT_LIMIT)
                                .minimum(java.math.BigDecimal.ZERO)
                                .maximum(java.math.BigDecimal.valueOf(RowQuery.MAX_LIMIT))
                                .description("rows at most"));
        body.description("Column names are checked against the catalog (unknown ones are 400 BINDER)");
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("columns", List.of("id", "customer_id", "total"));
        example.put("filters", Map.of("status", List.of("paid", "shipped"), "total", Map.of("op", ">=", "value", 100)));
        example.put("orderBy", List.of("total desc"));
        example.put("limit", 100);
        RequestBody request = jsonBody(body, example);
        request.setRequired(false);
        operation.requestBody(request);
        // Accept is not a parameter in OpenAPI: the response's media types say what it may ask for
        if (operation.getParameters() != null) {
            operation
                    .getParameters()
                    .removeIf(p -> "header".equals(p.getIn()) && "Accept".equalsIgnoreCase(p.getName()));
        }
        operation.description(
                "The Accept header picks the format as for POST /api/v1/query (application/json when" + " absent).");
        operation.setResponses(response(
                operation, new ApiResponse().description("the rows, streamed").content(resultContent())));
    }

    /** The result formats of {@code /api/v1/query}, by media type. */
    static Content resultContent() {
        Schema<?> columns = new ArraySchema()
                .items(new ObjectSchema()
                        .addProperty("name", new StringSchema())
                        .addProperty("type", new StringSchema()));
        Schema<?> json = new ObjectSchema()
                .addProperty("queryId", new StringSchema())
                .addProperty("columns", columns)
                .addProperty("rows", new ArraySchema().items(new ArraySchema().items(new Schema<>())))
                .addProperty("rowCount", new IntegerSchema())
                .addProperty("truncated", new BooleanSchema())
                .addProperty("elapsedMs", new IntegerSchema());
        return new Content()
                .addMediaType("application/json", new MediaType().schema(json))
                .addMediaType(
                        "application/x-ndjson",
                        new MediaType().schema(new StringSchema().description("one JSON object per row")))
                .addMediaType(
                        "text/csv",
                        new MediaType().schema(new StringSchema().description("header line, RFC 4180 rows")))
                .addMediaType(
                        "application/vnd.apache.arrow.stream",
                        new MediaType().schema(new StringSchema().format("binary")))
                .addMediaType(
                        "application/vnd.apache.parquet", new MediaType().schema(new StringSchema().format("binary")));
    }

    private static ApiResponses response(Operation operation, ApiResponse ok) {
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        responses.addApiResponse("200", ok);
        return responses;
    }

    private static RequestBody jsonBody(Schema<?> schema, Map<String, Object> example) {
        return new RequestBody()
                .required(true)
                .content(new Content()
                        .addMediaType(
                                "application/json",
                                new MediaType().schema(schema).addExamples("example", new Example().value(example))));
    }

    private static Schema<?> params() {
        return new Schema<>()
                .description("positional values for ? (an array) or named values for $name (an object); bound by"
                        + " DuckDB, never spliced into the text");
    }

    private static Schema<?> timeoutMs() {
        return new IntegerSchema().description("cancels the query after this long (408 TIMEOUT)");
    }
}
