package io.duckbridge.spring.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code duckbridge.sync.ingest} reaches the snapshot settings; the table function is the default. */
class SyncPropertiesTest {
    static SnapshotSettings snapshot(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("duckbridge.sync", SyncProperties.class)
                .toSettings()
                .snapshot();
    }

    @Test
    void ingestsThroughTheTableFunctionUnlessTheAppenderIsChosen() {
        assertThat(snapshot(Map.of()).ingest()).isEqualTo(SnapshotSettings.Ingest.TABLE_FUNCTION);
        assertThat(snapshot(Map.of()).binaryCopy()).isTrue();
        assertThat(snapshot(Map.of("duckbridge.sync.ingest", "appender")).ingest())
                .isEqualTo(SnapshotSettings.Ingest.APPENDER);
        assertThat(snapshot(Map.of("duckbridge.sync.ingest", "table-function", "duckbridge.sync.workers", "3")))
                .satisfies(s -> assertThat(s.ingest()).isEqualTo(SnapshotSettings.Ingest.TABLE_FUNCTION))
                .satisfies(s -> assertThat(s.workers()).isEqualTo(3));
    }
}
