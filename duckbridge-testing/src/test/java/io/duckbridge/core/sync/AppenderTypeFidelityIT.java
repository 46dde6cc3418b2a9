package io.duckbridge.core.sync;

import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import org.junit.jupiter.api.BeforeAll;

/** Every check of {@link TypeFidelityIT}, with binary-format COPY rows written by the DuckDB appender. */
class AppenderTypeFidelityIT extends TypeFidelityIT {
    @BeforeAll
    static void setUp() throws Exception {
        binaryCopy = true;
        ingest = SnapshotSettings.Ingest.APPENDER;
        start();
    }
}
