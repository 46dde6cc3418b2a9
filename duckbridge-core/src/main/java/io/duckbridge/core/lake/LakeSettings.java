package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.nio.file.Path;

/**
 * Settings of the lake feature.
 *
 * @param dataDir the data directory; exports stage in {@code staging/}, local targets live in {@code exports/}
 * @param maxStagingBytes how many bytes one export or import may stage locally before it fails with IO;
 *     null for no limit beyond the disk
 * @param minFreeStagingBytes refuse to start when the staging disk has less free space than this
 *     (default 64 MiB)
 */
public record LakeSettings(Path dataDir, Long maxStagingBytes, Long minFreeStagingBytes) {
    public LakeSettings {
        if (dataDir == null) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "duckbridge.data-dir is not set");
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        if (maxStagingBytes != null && maxStagingBytes <= 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "duckbridge.lake.max-staging-size must be positive, e.g. 50GB");
        }
        if (minFreeStagingBytes == null) {
            minFreeStagingBytes = 64L * 1024 * 1024;
        }
    }

    public static LakeSettings of(Path dataDir) {
        return new LakeSettings(dataDir, null, null);
    }

    public LakeSettings withMaxStagingBytes(Long value) {
        return new LakeSettings(dataDir, value, minFreeStagingBytes);
    }

    public Path stagingDir() {
        return dataDir.resolve("staging");
    }

    public Path exportsDir() {
        return dataDir.resolve("exports");
    }
}
