package io.duckbridge.server.demo;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Demo mode is on when {@code duckbridge.demo.enabled=true}, or when it is unset and no PostgreSQL URL is. */
class DemoModeCondition extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        var env = context.getEnvironment();
        String enabled = env.getProperty("duckbridge.demo.enabled");
        if (enabled != null) {
            return Boolean.parseBoolean(enabled)
                    ? ConditionOutcome.match("duckbridge.demo.enabled=true")
                    : ConditionOutcome.noMatch("duckbridge.demo.enabled=false");
        }
        String url = env.getProperty("duckbridge.postgres.url");
        return url == null || url.isBlank()
                ? ConditionOutcome.match("no duckbridge.postgres.url: demo mode")
                : ConditionOutcome.noMatch("duckbridge.postgres.url is set");
    }
}
