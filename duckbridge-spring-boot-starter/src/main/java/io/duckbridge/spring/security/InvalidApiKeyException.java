package io.duckbridge.spring.security;

import org.springframework.security.core.AuthenticationException;

/** A request carried an API key that matches no configured hash. */
final class InvalidApiKeyException extends AuthenticationException {
    InvalidApiKeyException() {
        super(ProblemWriter.INVALID);
    }
}
