package io.duckbridge.spring;

import io.duckbridge.core.engine.EngineSettings;

/**
 * Adjusts the engine settings before the {@link io.duckbridge.core.engine.DuckDbEngine} bean opens (for
 * example to add DuckDB's sandbox). Customizers run in {@code @Order}.
 */
@FunctionalInterface
public interface EngineSettingsCustomizer {
    EngineSettings customize(EngineSettings settings);
}
