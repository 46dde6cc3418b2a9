package io.duckbridge.core.sync;

import org.junit.jupiter.api.BeforeAll;

/** Every check of {@link TypeFidelityIT}, with snapshots read through text-format COPY. */
class TextCopyTypeFidelityIT extends TypeFidelityIT {
    @BeforeAll
    static void setUp() throws Exception {
        binaryCopy = false;
        ingest = io.duckbridge.core.sync.snapshot.SnapshotSettings.Ingest.APPENDER;
        start();
    }
}
