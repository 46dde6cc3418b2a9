package io.duckbridge.spring.web;

import io.duckbridge.spring.security.DuckbridgeSecurityAutoConfiguration;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import org.springframework.http.ResponseEntity;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Problem bodies for requests no controller took — an unknown path, a method or media type no endpoint accepts —
 * on Duckbridge's own paths ({@code /api/v1/}, {@code /analytics/}), or on every path when Duckbridge is the whole
 * application (the standalone server). Anywhere else the failure is passed on unchanged, so an application that
 * embeds the starter keeps its own answer (Spring Boot's error page, or its own advice) for its own paths.
 * Thread-safe (stateless).
 */
@RestControllerAdvice
public class UnmatchedRequestProblems {
    private static final AntPathMatcher PATHS = new AntPathMatcher();
    private final ProblemResponses problems = new ProblemResponses();
    private final boolean everyPath;

    /** For Duckbridge's own paths only (the starter in an application of its own). */
    public UnmatchedRequestProblems() {
        this(false);
    }

    /** @param everyPath whether Duckbridge answers for every path (it is the whole application) */
    public UnmatchedRequestProblems(boolean everyPath) {
        this.everyPath = everyPath;
    }

    @ExceptionHandler({
        NoResourceFoundException.class,
        HttpRequestMethodNotSupportedException.class,
        HttpMediaTypeNotSupportedException.class,
        HttpMediaTypeNotAcceptableException.class
    })
    public ResponseEntity<Object> unmatched(Exception e, WebRequest request) throws Exception {
        if (!answersFor(request)) {
            throw e; // the application's own resolvers and error page decide, as without Duckbridge
        }
        return problems.handleException(e, request);
    }

    private boolean answersFor(WebRequest request) {
        Object handler =
                request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
        if (handler instanceof HandlerMethod method) {
            // an application's controller failed (Duckbridge's own are ProblemResponses')
            return method.getBeanType().getPackageName().startsWith("io.duckbridge");
        }
        if (everyPath) {
            return true;
        }
        if (!(request instanceof ServletWebRequest servlet)) {
            return false;
        }
        HttpServletRequest http = servlet.getRequest();
        String path = http.getRequestURI().substring(http.getContextPath().length());
        return Arrays.stream(DuckbridgeSecurityAutoConfiguration.API_PATHS).anyMatch(p -> PATHS.match(p, path));
    }
}
