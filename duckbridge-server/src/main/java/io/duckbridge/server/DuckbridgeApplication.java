package io.duckbridge.server;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.spring.web.ProblemResponses;
import io.duckbridge.spring.web.UnmatchedRequestProblems;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/** The standalone Duckbridge service: the starter's auto-configuration plus demo mode. */
@SpringBootApplication
public class DuckbridgeApplication {
    /** Duckbridge is the whole application here: every path's unmatched request gets a problem body. */
    @Bean
    UnmatchedRequestProblems duckbridgeUnmatchedRequestProblems() {
        return new UnmatchedRequestProblems(true);
    }

    /**
     * A request for Spring Boot's error path itself (not a forward of a failed request to it) is a path like any
     * other the server does not serve: 404 NOT_FOUND as a problem, instead of the error controller's 500 with
     * status 999 for an error that never happened.
     */
    @Bean
    FilterRegistrationBean<Filter> duckbridgeErrorPathNotFound(Environment environment) {
        String errorPath = environment.getProperty("server.error.path", "/error");
        Filter filter = (request, response, chain) -> ProblemResponses.write(
                (HttpServletRequest) request,
                (HttpServletResponse) response,
                404,
                null,
                new DuckbridgeException(
                        ErrorClass.NOT_FOUND,
                        "no endpoint at " + errorPath + "; the endpoints are listed at /v3/api-docs"));
        var registration = new FilterRegistrationBean<>(filter);
        registration.addUrlPatterns(errorPath);
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        return registration;
    }
}
