package io.duckbridge.server.openapi;

import io.duckbridge.spring.query.QueryServlet;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document at {@code /v3/api-docs}: title, the two ways to send an API key, and on every operation
 * the {@code application/problem+json} error responses of the HTTP contract (with an example each), so
 * endpoints added by any feature are documented with their errors without repeating them on each method.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {
    static final String PROBLEM = "Problem";
    static final String BEARER = "bearer";
    static final String API_KEY = "apiKey";

    @Bean
    public OpenAPI duckbridgeOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("Duckbridge")
                        .version("v1")
                        .description("PostgreSQL to DuckDB analytics: queries, sync, CDC, lake exports and backups."
                                + " Errors are RFC 9457 application/problem+json with an errorClass.")
                        .license(new License().name("Apache-2.0")))
                .components(new Components()
                        .addSecuritySchemes(
                                BEARER,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .description("Authorization: Bearer <key>"))
                        .addSecuritySchemes(
                                API_KEY,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.APIKEY)
                                        .in(SecurityScheme.In.HEADER)
                                        .name("X-API-Key"))
                        .addSchemas(PROBLEM, problemSchema()))
                .security(
                        List.of(new SecurityRequirement().addList(BEARER), new SecurityRequirement().addList(API_KEY)));
    }

    /** Adds the error responses to every operation that does not describe them itself. */
    @Bean
    public OpenApiCustomizer duckbridgeOpenApiProblemResponses() {
        return openApi -> {
            if (openApi.getPaths() == null || !openApi.getPaths().containsKey(QueryServlet.PATH)) {
                openApi.path(QueryServlet.PATH, queryPath());
            }
            openApi.getPaths().forEach((path, item) -> {
                boolean open = path.startsWith("/actuator/health");
                for (Map.Entry<PathItem.HttpMethod, Operation> e :
                        item.readOperationsMap().entrySet()) {
                    Operation operation = e.getValue();
                    ApiResponses responses =
                            operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
                    put(
                            responses,
                            "400",
                            "Invalid request, SQL syntax or binder error",
                            "INVALID_REQUEST",
                            400,
                            "unknown column \"totl\"");
                    if (!open) {
                        put(
                                responses,
                                "401",
                                "No API key or an unknown one",
                                "PERMISSION",
                                401,
                                "this endpoint needs an API key: send Authorization: Bearer <key> or X-API-Key: <key>");
                        put(
                                responses,
                                "403",
                                "The key's role may not call this endpoint",
                                "PERMISSION",
                                403,
                                e.getKey() + " " + path + " needs the admin role; this key is a reader");
                    }
                    put(responses, "404", "Not found", "NOT_FOUND", 404, "no job with id 7f3c");
                    put(
                            responses,
                            "500",
                            "Internal or I/O error (no stack trace)",
                            "INTERNAL",
                            500,
                            "internal error 5b1d...; the server log has the details");
                    put(
                            responses,
                            "503",
                            "Out of memory or source unavailable; retry after Retry-After seconds",
                            "OUT_OF_MEMORY",
                            503,
                            "Out of Memory Error: could not allocate block of size 256.0 KiB");
                    operation.setResponses(responses);
                }
            });
        };
    }

    /**
     * {@code POST /api/v1/query}: served by {@link QueryServlet}, not by a Spring MVC controller, so springdoc
     * does not find it by scanning; described here as API.md has it.
     */
    private static PathItem queryPath() {
        ObjectSchema body = new ObjectSchema();
        body.addProperty("sql", new StringSchema().description("one read-only SQL statement"))
                .addProperty(
                        "params",
                        new Schema<>()
                                .description("positional values for ? (an array) or named values for $name (an"
                                        + " object); bound by DuckDB, never spliced into the text"))
                .addProperty(
                        "maxRows",
                        new IntegerSchema()
                                .description("rows at most; JSON defaults to 10,000 and then says truncated: true"))
                .addProperty("timeoutMs", new IntegerSchema().description("cancels the query after this long"));
        body.setRequired(List.of("sql"));
        Schema<?> columns = new io.swagger.v3.oas.models.media.ArraySchema()
                .items(new ObjectSchema()
                        .addProperty("name", new StringSchema())
                        .addProperty("type", new StringSchema()));
        Schema<?> json = new ObjectSchema()
                .addProperty("queryId", new StringSchema())
                .addProperty("columns", columns)
                .addProperty("rows", new io.swagger.v3.oas.models.media.ArraySchema().items(new Schema<>()))
                .addProperty("rowCount", new IntegerSchema())
                .addProperty("truncated", new io.swagger.v3.oas.models.media.BooleanSchema())
                .addProperty("elapsedMs", new IntegerSchema());
        Content result = new Content()
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
        ApiResponses responses = new ApiResponses()
                .addApiResponse(
                        "200",
                        new ApiResponse().description("the result, streamed").content(result));
        put(
                responses,
                "429",
                "Too many queries: the concurrency limit and its queue are full; retry after Retry-After seconds",
                "SOURCE_UNAVAILABLE",
                429,
                "too many queries: all slots are busy and the queue is full; retry later");
        Operation post = new Operation()
                .operationId("query")
                .summary("Run one read-only SQL query")
                .description("The Accept header picks the format (application/json when absent). Anything but a"
                        + " single read-only statement is 400 READ_ONLY_VIOLATION.")
                .addTagsItem("query-controller")
                .requestBody(new io.swagger.v3.oas.models.parameters.RequestBody()
                        .required(true)
                        .content(new Content().addMediaType("application/json", new MediaType().schema(body))))
                .responses(responses);
        return new PathItem().post(post);
    }

    private static void put(
            ApiResponses responses, String code, String description, String errorClass, int status, String detail) {
        if (responses.containsKey(code)) {
            return;
        }
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", "urn:duckbridge:problem:" + errorClass.toLowerCase(java.util.Locale.ROOT));
        example.put("title", errorClass);
        example.put("status", status);
        example.put("detail", detail);
        example.put("errorClass", errorClass);
        var media = new MediaType()
                .schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))
                .addExamples(errorClass.toLowerCase(java.util.Locale.ROOT), new Example().value(example));
        var response = new ApiResponse()
                .description(description)
                .content(new Content().addMediaType("application/problem+json", media));
        if (status == 503 || status == 429) {
            response.addHeaderObject(
                    "Retry-After",
                    new io.swagger.v3.oas.models.headers.Header()
                            .description("seconds to wait before retrying")
                            .schema(new IntegerSchema()));
        }
        responses.addApiResponse(code, response);
    }

    private static Schema<?> problemSchema() {
        return new ObjectSchema()
                .description("RFC 9457 problem details with Duckbridge's error class")
                .addProperty("type", new StringSchema())
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema())
                .addProperty(
                        "errorClass",
                        new StringSchema()
                                ._enum(List.of(
                                        "SYNTAX",
                                        "BINDER",
                                        "READ_ONLY_VIOLATION",
                                        "PERMISSION",
                                        "TIMEOUT",
                                        "CANCELLED",
                                        "OUT_OF_MEMORY",
                                        "CONVERSION",
                                        "CONSTRAINT",
                                        "IO",
                                        "SOURCE_UNAVAILABLE",
                                        "CONFLICT",
                                        "NOT_FOUND",
                                        "INVALID_REQUEST",
                                        "INTERNAL")))
                .addProperty("position", new IntegerSchema().description("character offset of a SQL error"));
    }
}
