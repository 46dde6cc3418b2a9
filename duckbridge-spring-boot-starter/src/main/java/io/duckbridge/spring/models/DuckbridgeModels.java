package io.duckbridge.spring.models;

import java.util.List;

/**
 * Java classes (records or {@code jakarta.persistence} entities) that describe tables the application syncs.
 * Declare one as a bean — {@code @Bean DuckbridgeModels models() { return DuckbridgeModels.of(Order.class); }} —
 * or name the classes in {@code duckbridge.models.classes}; both are checked against PostgreSQL. Immutable.
 */
public record DuckbridgeModels(List<Class<?>> classes) {
    public DuckbridgeModels {
        classes = List.copyOf(classes);
    }

    public static DuckbridgeModels of(Class<?>... classes) {
        return new DuckbridgeModels(List.of(classes));
    }
}
