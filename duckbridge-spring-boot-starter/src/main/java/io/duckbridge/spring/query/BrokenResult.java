package io.duckbridge.spring.query;

import java.io.IOException;
import org.springframework.util.ClassUtils;

/**
 * What the query servlet throws when a result fails after its first bytes were sent: the status is gone, so
 * the client must see a broken response (the connection closed without the end of the body), never a short
 * one and never an error document appended to the rows. Under Tomcat that is its {@code ClientAbortException}:
 * Tomcat then neither logs the failure again nor includes the application's error page into the body (which it
 * does for any other exception, and Spring Boot's page is a JSON document), and it closes the connection
 * without the last chunk. Elsewhere a plain {@link IOException}. The caller logs the failure once.
 */
final class BrokenResult {
    private static final boolean TOMCAT = ClassUtils.isPresent(
            "org.apache.catalina.connector.ClientAbortException", BrokenResult.class.getClassLoader());

    private BrokenResult() {}

    static IOException of(Exception failure) {
        String message = "the result broke off after its first bytes were sent: " + failure.getMessage();
        return TOMCAT ? Tomcat.abort(message, failure) : new IOException(message, failure);
    }

    /** Loaded only when Tomcat is present. */
    private static final class Tomcat {
        static IOException abort(String message, Exception failure) {
            return new org.apache.catalina.connector.ClientAbortException(message, failure);
        }
    }
}
