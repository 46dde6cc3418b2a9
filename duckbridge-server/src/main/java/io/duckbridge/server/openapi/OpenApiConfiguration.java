package io.duckbridge.server.openapi;

import io.duckbridge.spring.query.QueryServlet;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;

/**
 * The OpenAPI document at {@code /v3/api-docs}: title, the two ways to send an API key, the shapes springdoc
 * cannot see in untyped handlers (jobs, the query builder, explain, the query servlet), and on every operation
 * the {@code application/problem+json} error responses it can answer (with examples), so endpoints added by any
 * feature are documented with their errors without repeating them on each method.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {
    static final String BEARER = "bearer";
    static final String API_KEY = "apiKey";
    private static final String JOBS = "/api/v1/jobs";

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
                                        .name("X-API-Key")))
                .security(
                        List.of(new SecurityRequirement().addList(BEARER), new SecurityRequirement().addList(API_KEY)));
    }

    /**
     * Describes what untyped handlers answer: a handler with a {@code wait} request parameter starts a job and
     * answers through {@code JobViews.respond} (202 or the finished job), {@code /api/v1/jobs} answers jobs;
     * explain and the query builder take and give JSON whose fields API.md defines.
     */
    @Bean
    public OperationCustomizer duckbridgeOpenApiHandlerShapes() {
        return (operation, handler) -> {
            List<String> paths = paths(handler);
            if (startsJob(handler)) {
                JobResponses.describe(operation, JobResponses.kindOf(paths.isEmpty() ? "" : paths.get(0)));
            } else if (paths.contains(JOBS)) {
                JobResponses.describeView(operation, true);
            } else if (paths.contains(JOBS + "/{id}")) {
                JobResponses.describeView(operation, false);
            } else if (paths.contains(QueryEndpoints.EXPLAIN)) {
                QueryEndpoints.describeExplain(operation);
            } else if (paths.contains(QueryEndpoints.ROWS)) {
                QueryEndpoints.describeRows(operation);
            }
            return operation;
        };
    }

    /**
     * Adds the query servlet's endpoint, the shared schemas and every operation's error responses. The schemas
     * are added here, not on the {@code OpenAPI} bean: springdoc drops schemas nothing refers to before it runs
     * this customizer, and only this customizer makes the responses refer to them.
     */
    @Bean
    public OpenApiCustomizer duckbridgeOpenApiProblemResponses() {
        return openApi -> {
            if (openApi.getPaths() == null || !openApi.getPaths().containsKey(QueryServlet.PATH)) {
                openApi.path(QueryServlet.PATH, QueryEndpoints.queryPath());
            }
            ContractSchemas.addTo(openApi);
            openApi.getPaths().forEach((path, item) -> {
                for (Map.Entry<PathItem.HttpMethod, Operation> e :
                        item.readOperationsMap().entrySet()) {
                    ErrorResponses.addTo(e.getKey(), path, e.getValue());
                }
            });
        };
    }

    private static boolean startsJob(HandlerMethod handler) {
        for (var parameter : handler.getMethodParameters()) {
            if (parameter.hasParameterAnnotation(RequestParam.class)
                    && "wait".equals(parameter.getParameterName())
                    && (parameter.getParameterType() == boolean.class
                            || parameter.getParameterType() == Boolean.class)) {
                return true;
            }
        }
        return false;
    }

    /** The paths the handler is mapped to: its class's prefix (if any) joined with each of its own. */
    private static List<String> paths(HandlerMethod handler) {
        RequestMapping type = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), RequestMapping.class);
        RequestMapping method = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), RequestMapping.class);
        List<String> prefixes = type == null || type.path().length == 0 ? List.of("") : List.of(type.path());
        List<String> suffixes = method == null || method.path().length == 0 ? List.of("") : List.of(method.path());
        List<String> paths = new ArrayList<>();
        for (String prefix : prefixes) {
            for (String suffix : suffixes) {
                paths.add(prefix + suffix);
            }
        }
        return paths;
    }
}
