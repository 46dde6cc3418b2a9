package io.duckbridge.server;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The standalone Duckbridge service: the starter's auto-configuration plus demo mode. */
@SpringBootApplication
public class DuckbridgeApplication {
    /** Duckbridge is the whole application here: every path's unmatched request gets a problem body. */
    @org.springframework.context.annotation.Bean
    io.duckbridge.spring.web.UnmatchedRequestProblems duckbridgeUnmatchedRequestProblems() {
        return new io.duckbridge.spring.web.UnmatchedRequestProblems(true);
    }
}
