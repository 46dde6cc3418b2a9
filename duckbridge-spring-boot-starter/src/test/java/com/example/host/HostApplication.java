package com.example.host;

import static org.springframework.security.config.Customizer.withDefaults;

import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * An application of its own that embeds the starter, outside Duckbridge's packages: its own controllers,
 * its own security chain for its own paths with username/password login, its own error statuses.
 */
@SpringBootApplication
public class HostApplication {
    @RestController
    static class Items {
        @GetMapping("/app/hello")
        String hello() {
            return "hello";
        }

        @GetMapping("/app/items/{id}")
        String item(@PathVariable long id) {
            throw new ItemNotFound(id);
        }

        @PostMapping(value = "/app/upload", consumes = "application/octet-stream")
        Map<String, Integer> upload(@RequestBody byte[] body) {
            return Map.of("size", body.length);
        }
    }

    @ResponseStatus(HttpStatus.NOT_FOUND)
    static class ItemNotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ItemNotFound(long id) {
            super("no item " + id);
        }
    }

    @Bean
    SecurityFilterChain hostSecurity(HttpSecurity http) throws Exception {
        return http.securityMatcher("/app/**")
                .authorizeHttpRequests(a -> a.anyRequest().authenticated())
                .httpBasic(withDefaults())
                .csrf(c -> c.disable())
                .build();
    }

    @Bean
    UserDetailsService hostUsers() {
        return new InMemoryUserDetailsManager(User.withUsername("alice")
                .password("{noop}secret")
                .roles("USER")
                .build());
    }
}
