package io.duckbridge.spring.security;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;

/**
 * Authenticates a presented API key (the credentials of an unauthenticated
 * {@link PreAuthenticatedAuthenticationToken}) against the configured hashes. The result's principal is the
 * key's name, its authorities those of its role; the key is not kept in it. Thread-safe.
 */
public final class ApiKeyAuthenticationProvider implements AuthenticationProvider {
    private final ApiKeys keys;

    public ApiKeyAuthenticationProvider(ApiKeys keys) {
        this.keys = keys;
    }

    /** The configured keys. */
    public ApiKeys keys() {
        return keys;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        Object credentials = authentication.getCredentials();
        ApiKey key =
                keys.authenticate(credentials instanceof String s ? s : null).orElseThrow(InvalidApiKeyException::new);
        var token = new PreAuthenticatedAuthenticationToken(
                key.name(), null, key.role().authorities());
        token.setDetails(key.role().wireName());
        return token;
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return PreAuthenticatedAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
