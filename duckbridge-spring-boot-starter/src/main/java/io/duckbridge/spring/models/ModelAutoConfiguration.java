package io.duckbridge.spring.models;

import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.spring.sync.SyncAutoConfiguration;
import io.duckbridge.spring.sync.SyncProperties;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;

/**
 * Model-driven schemas: the classes of every {@link DuckbridgeModels} bean and of {@code duckbridge.models.classes}
 * are read with the sync's type mapping, listed with their DDL and mismatches at {@code GET /api/v1/models}, and
 * (unless {@code duckbridge.models.check-at-startup=false}) compared with PostgreSQL once the application is
 * ready, each mismatch logged at WARN. Every bean can be replaced.
 */
@AutoConfiguration(after = SyncAutoConfiguration.class)
@EnableConfigurationProperties(ModelProperties.class)
public class ModelAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(ModelAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    public ModelCheck duckbridgeModelCheck(
            ModelProperties properties,
            ObjectProvider<DuckbridgeModels> registered,
            ObjectProvider<PostgresSource> source,
            SyncProperties sync) {
        List<Class<?>> classes = new ArrayList<>();
        registered.orderedStream().forEach(m -> classes.addAll(m.classes()));
        classes.addAll(ModelCheck.load(properties.classes(), ModelAutoConfiguration.class.getClassLoader()));
        return new ModelCheck(classes, source::getIfAvailable, sync.toSettings().mapping());
    }

    @Bean
    @ConditionalOnMissingBean
    public ModelController duckbridgeModelController(ModelCheck check) {
        return new ModelController(check);
    }

    @Bean
    public ApplicationListener<ApplicationReadyEvent> duckbridgeModelStartupCheck(
            ModelCheck check, ModelProperties properties) {
        return event -> {
            if (!properties.checkAtStartup() || check.models().isEmpty()) {
                return;
            }
            Thread.ofVirtual().name("duckbridge-model-check").start(() -> {
                for (ModelReport r : check.check()) {
                    if (r.error() != null) {
                        log.warn("model {} ({}) was not checked: {}", r.model(), r.table(), r.error());
                    } else if (r.matches()) {
                        log.info("model {} matches {}", r.model(), r.table());
                    }
                    r.mismatches()
                            .forEach(m -> log.warn(
                                    "model {} and {} differ: {} {} (model {}, PostgreSQL {}); {}",
                                    r.model(),
                                    r.table(),
                                    m.kind(),
                                    m.column() == null ? "" : m.column(),
                                    m.model(),
                                    m.postgres(),
                                    m.hint()));
                }
            });
        };
    }
}
