package io.duckbridge.spring.models;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code duckbridge.models.*} settings.
 *
 * @param classes fully qualified names of model classes, in addition to {@link DuckbridgeModels} beans
 * @param checkAtStartup whether to compare every model with PostgreSQL once the application is ready and log
 *     each mismatch at WARN
 */
@ConfigurationProperties("duckbridge.models")
public record ModelProperties(
        @DefaultValue List<String> classes,
        @DefaultValue("true") boolean checkAtStartup) {}
