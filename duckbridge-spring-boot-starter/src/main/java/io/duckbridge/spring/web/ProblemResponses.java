package io.duckbridge.spring.web;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns every failure of Duckbridge's controllers into an RFC 9457 {@code application/problem+json} body with an
 * {@code errorClass} and the one HTTP status of that class. Stack traces never reach the client; unexpected
 * failures are logged with an id the body repeats. Scoped to Duckbridge's own controllers and consulted before
 * an application's advice: in an application that embeds the starter, the application's controllers keep their
 * own error handling (and a catch-all advice of theirs does not answer for Duckbridge's API). Failures that have
 * no controller (an unknown path, a method no endpoint takes) are {@link UnmatchedRequestProblems}'. Thread-safe
 * (stateless).
 */
@RestControllerAdvice(basePackages = "io.duckbridge")
@org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
public class ProblemResponses extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);
    /** Whether this application serves /v3/api-docs (the standalone server does; an embedding one may not). */
    private static final boolean API_DOCS = org.springframework.util.ClassUtils.isPresent(
            "org.springdoc.core.configuration.SpringDocConfiguration", ProblemResponses.class.getClassLoader());

    /** Seconds a client should wait after OUT_OF_MEMORY or overload before retrying. */
    public static final String RETRY_AFTER_SECONDS = "5";
    /** Request attribute holding the {@link ErrorClass} of the problem answered, for metrics. */
    public static final String ERROR_CLASS_ATTRIBUTE = ProblemResponses.class.getName() + ".errorClass";

    /** The HTTP status of each error class, as in the HTTP contract. */
    public static int status(ErrorClass errorClass) {
        return switch (errorClass) {
            case SYNTAX, BINDER, CONVERSION, INVALID_REQUEST, READ_ONLY_VIOLATION, CONSTRAINT -> 400;
            case PERMISSION -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TIMEOUT -> 408;
            case CANCELLED -> 499;
            case OUT_OF_MEMORY, SOURCE_UNAVAILABLE -> 503;
            case OVERLOADED -> 429;
            case IO, INTERNAL -> 500;
        };
    }

    /** The problem body for {@code e}. */
    public static ProblemDetail problem(DuckbridgeException e) {
        ErrorClass errorClass = e.errorClass();
        ProblemDetail problem = ProblemDetail.forStatus(status(errorClass));
        problem.setType(type(errorClass));
        problem.setTitle(title(errorClass));
        problem.setDetail(e.getMessage());
        problem.setProperty("errorClass", errorClass.name());
        if (e.position() != null) {
            problem.setProperty("position", e.position());
        }
        return problem;
    }

    /**
     * {@code e}'s problem as plain members in order ({@code type}, {@code title}, {@code status}, {@code detail},
     * {@code errorClass}, {@code position}), for bodies written outside Spring MVC or with more members.
     */
    public static Map<String, Object> fields(DuckbridgeException e) {
        ProblemDetail problem = problem(e);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", String.valueOf(problem.getType()));
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        if (problem.getProperties() != null) {
            body.putAll(problem.getProperties());
        }
        return body;
    }

    /** A complete response for {@code e}, with {@code Retry-After} where the class calls for one. */
    public static ResponseEntity<ProblemDetail> response(DuckbridgeException e) {
        return responseFor(e).body(problem(e));
    }

    /**
     * The status, content type and headers of {@code e}'s problem response ({@code Retry-After} where the class
     * calls for one), ready for a body; records the class on the current request for the error metrics.
     */
    public static ResponseEntity.BodyBuilder responseFor(DuckbridgeException e) {
        var request = RequestContextHolder.getRequestAttributes();
        if (request != null) {
            request.setAttribute(ERROR_CLASS_ATTRIBUTE, e.errorClass(), RequestAttributes.SCOPE_REQUEST);
        }
        var builder = ResponseEntity.status(status(e.errorClass())).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (asksForRetry(e.errorClass())) {
            builder.header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(e));
        }
        return builder;
    }

    /**
     * The {@code Retry-After} seconds for {@code e}: when it knows (an open circuit breaker's time until its trial
     * call), else {@link #RETRY_AFTER_SECONDS}.
     */
    public static String retryAfterSeconds(DuckbridgeException e) {
        java.time.Duration after = e.retryAfter();
        return after == null ? RETRY_AFTER_SECONDS : Long.toString(Math.max(1, after.toSeconds()));
    }

    /** Whether a client should retry a failure of this class after {@link #RETRY_AFTER_SECONDS}. */
    public static boolean asksForRetry(ErrorClass errorClass) {
        return errorClass == ErrorClass.OUT_OF_MEMORY
                || errorClass == ErrorClass.SOURCE_UNAVAILABLE
                || errorClass == ErrorClass.OVERLOADED;
    }

    /** Logs a failed request: INTERNAL as an error with its trace, IO as a one-line warning, the client's at debug. */
    public static void log(DuckbridgeException e) {
        if (e.errorClass() == ErrorClass.INTERNAL) {
            log.error("request failed: {}", e.getMessage(), e);
        } else if (e.errorClass() == ErrorClass.IO) {
            // the message names the file or the storage and what failed; DuckDB's stack would add nothing
            log.warn("request failed with IO: {}", e.getMessage());
        } else {
            log.debug("request failed with {}: {}", e.errorClass(), e.getMessage());
        }
    }

    /**
     * An unexpected failure logged with a new id, and the INTERNAL problem to answer instead: it names the id,
     * never the failure.
     */
    public static DuckbridgeException unexpected(Exception e) {
        String id = java.util.UUID.randomUUID().toString();
        log.error("unexpected failure {}", id, e);
        return new DuckbridgeException(
                ErrorClass.INTERNAL, "internal error " + id + "; the server log has the details");
    }

    /**
     * Writes {@code e}'s problem body straight to {@code response}, for code that answers outside Spring MVC's
     * exception handling (the security filters, the query servlet): {@code status}, and {@code title} when
     * given instead of the class's own.
     */
    public static void write(
            HttpServletRequest request, HttpServletResponse response, int status, String title, DuckbridgeException e)
            throws IOException {
        request.setAttribute(ERROR_CLASS_ATTRIBUTE, e.errorClass());
        Map<String, Object> body = fields(e);
        if (title != null) {
            body.put("title", title);
        }
        body.put("status", status);
        body.put("instance", request.getRequestURI());
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(JsonMapper.shared().writeValueAsBytes(body));
    }

    @ExceptionHandler(DuckbridgeException.class)
    public ResponseEntity<ProblemDetail> handleDuckbridge(DuckbridgeException e) {
        log(e);
        return response(e);
    }

    /**
     * Any other failure of Duckbridge's endpoints as a 500 INTERNAL problem. A failure of an application's own
     * controller (an application that embeds the starter) is passed on unchanged, so its own
     * {@code @ResponseStatus}, exception resolvers and error page decide as they did without Duckbridge.
     */
    @ExceptionHandler(Exception.class)
    public ResponseEntity<ProblemDetail> handleUnexpected(
            Exception e, org.springframework.web.method.HandlerMethod handler) throws Exception {
        if (handler != null && !handler.getBeanType().getPackageName().startsWith("io.duckbridge")) {
            throw e;
        }
        return response(unexpected(e));
    }

    /** Spring MVC's own failures (bad JSON, wrong method, unknown path) get an errorClass too. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        return withErrorClass(
                super.handleExceptionInternal(ex, body, headers, statusCode, request), ex, statusCode, request);
    }

    /** {@code response}'s problem body with Duckbridge's type, errorClass and a detail that names the fix. */
    static ResponseEntity<Object> withErrorClass(
            ResponseEntity<Object> response, Exception ex, HttpStatusCode statusCode, WebRequest request) {
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            ErrorClass errorClass = classOf(statusCode.value());
            request.setAttribute(ERROR_CLASS_ATTRIBUTE, errorClass, RequestAttributes.SCOPE_REQUEST);
            problem.setType(type(errorClass));
            problem.setProperty("errorClass", errorClass.name());
            String detail = detail(ex, request);
            if (detail != null) {
                problem.setDetail(detail);
            }
        }
        return response;
    }

    /** A detail that names the input and the fix, where Spring's own says only "Failed to read request". */
    private static String detail(Exception ex, WebRequest request) {
        if (ex instanceof HttpMessageNotReadableException unreadable) {
            for (Throwable t = unreadable; t != null; t = t.getCause()) {
                if (t instanceof RequestBodyLimitFilter.TooLarge tooLarge) {
                    return tooLarge.getMessage() + "; send a smaller body";
                }
            }
            Throwable cause = unreadable.getMostSpecificCause();
            String reason = cause instanceof JacksonException json ? json.getOriginalMessage() : null;
            return "the request body is not valid JSON for this endpoint"
                    + (reason == null ? "" : ": " + reason.lines().findFirst().orElse(reason))
                    + (API_DOCS ? "; its fields are described at /v3/api-docs" : "");
        }
        if (ex instanceof org.springframework.beans.TypeMismatchException mismatch) {
            String name = mismatch.getPropertyName() != null ? mismatch.getPropertyName() : "a parameter";
            Class<?> type = mismatch.getRequiredType();
            String fix = type == boolean.class || type == Boolean.class
                    ? "use true or false"
                    : type != null && type.isEnum()
                            ? "use one of " + java.util.Arrays.toString(type.getEnumConstants())
                            : "use a "
                                    + (type == null
                                            ? "valid value"
                                            : type.getSimpleName().toLowerCase(Locale.ROOT));
            return "\"" + mismatch.getValue() + "\" is not a valid value for " + name + "; " + fix;
        }
        if (ex instanceof NoResourceFoundException missing) {
            return "no endpoint " + missing.getHttpMethod() + " /" + missing.getResourcePath()
                    + (API_DOCS ? "; the API is described at /v3/api-docs" : "");
        }
        return null;
    }

    /** The error class of a status that Spring or Tomcat chose, not Duckbridge: the nearest one. */
    static ErrorClass classOf(int status) {
        return switch (status) {
            case 404 -> ErrorClass.NOT_FOUND;
            case 401, 403 -> ErrorClass.PERMISSION;
            case 408 -> ErrorClass.TIMEOUT;
            case 409 -> ErrorClass.CONFLICT;
            case 429 -> ErrorClass.OVERLOADED;
            case 503 -> ErrorClass.SOURCE_UNAVAILABLE;
            default -> status >= 400 && status < 500 ? ErrorClass.INVALID_REQUEST : ErrorClass.INTERNAL;
        };
    }

    /** The problem {@code type} of an error class: {@code urn:duckbridge:problem:<class in lower case>}. */
    static URI type(ErrorClass errorClass) {
        return URI.create("urn:duckbridge:problem:" + errorClass.name().toLowerCase(Locale.ROOT));
    }

    static String title(ErrorClass errorClass) {
        return switch (errorClass) {
            case SYNTAX -> "SQL syntax error";
            case BINDER -> "Unknown table, column or function";
            case READ_ONLY_VIOLATION -> "Only read-only queries are allowed";
            case PERMISSION -> "Not allowed";
            case TIMEOUT -> "Timed out";
            case CANCELLED -> "Cancelled";
            case OUT_OF_MEMORY -> "Out of memory";
            case CONVERSION -> "Value conversion failed";
            case CONSTRAINT -> "Constraint violated";
            case IO -> "I/O failure";
            case SOURCE_UNAVAILABLE -> "Source unavailable";
            case OVERLOADED -> "Too many queries";
            case CONFLICT -> "Conflict";
            case NOT_FOUND -> "Not found";
            case INVALID_REQUEST -> "Invalid request";
            case INTERNAL -> "Internal error";
        };
    }
}
