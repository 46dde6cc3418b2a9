package io.duckbridge.spring.security;

import java.util.List;
import java.util.Locale;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * What a key may do. {@code reader} may query and read status; {@code admin} may also sync, export, import,
 * back up, restore, start and stop CDC and cancel jobs.
 */
public enum ApiKeyRole {
    READER,
    ADMIN;

    /** The Spring Security authorities of this role: an admin holds the reader's authority too. */
    public List<GrantedAuthority> authorities() {
        return switch (this) {
            case READER -> List.of(new SimpleGrantedAuthority("ROLE_READER"));
            case ADMIN -> List.of(new SimpleGrantedAuthority("ROLE_READER"), new SimpleGrantedAuthority("ROLE_ADMIN"));
        };
    }

    /** The role named {@code name} ({@code reader} or {@code admin}, any case). */
    public static ApiKeyRole parse(String name, String where) {
        if (name != null) {
            for (ApiKeyRole role : values()) {
                if (role.name().equalsIgnoreCase(name.strip())) {
                    return role;
                }
            }
        }
        throw new IllegalArgumentException(where + " role \"" + name + "\" is not a role; use reader or admin");
    }

    /** {@code reader} or {@code admin}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
