package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;

/**
 * Opens the {@link ObjectStore} for a {@link LakeLocation}: {@code file:} locations under
 * {@code <data-dir>/exports}, {@code s3://} locations through the configured {@link S3Storage}. Thread-safe;
 * does not own the S3 storage.
 */
public final class ObjectStores {
    private final LakeSettings settings;
    private final S3Storage s3;
    private final LocalObjectStore.DiskSync disk;

    /** @param s3 the S3 connection, or null when object storage is not configured */
    public ObjectStores(LakeSettings settings, S3Storage s3) {
        this(settings, s3, LocalObjectStore.DiskSync.FILE_SYNC);
    }

    /** @param disk how the local stores sync what they write; a test's recording fake sees every sync */
    ObjectStores(LakeSettings settings, S3Storage s3, LocalObjectStore.DiskSync disk) {
        this.settings = settings;
        this.s3 = s3;
        this.disk = disk;
    }

    public ObjectStore open(LakeLocation location) {
        if (location.isS3()) {
            if (s3 == null) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        location + " is in object storage, which is not configured; set duckbridge.lake.s3.*");
            }
            return s3.store(location.bucket(), location.path());
        }
        java.nio.file.Path exports = settings.exportsDir().toAbsolutePath().normalize();
        java.nio.file.Path root = exports.resolve(location.path()).normalize();
        if (!io.duckbridge.core.engine.RealPaths.orSelf(root)
                .startsWith(io.duckbridge.core.engine.RealPaths.orSelf(exports))) {
            // Java copies the staged files there and follows links, which DuckDB's sandbox does not see
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    location + " leads out of the exports directory " + exports + " through a symbolic link; use"
                            + " a target without links inside " + exports);
        }
        return new LocalObjectStore(root, disk);
    }

    /** The S3 connection, or null. */
    public S3Storage s3() {
        return s3;
    }

    public LakeSettings settings() {
        return settings;
    }
}
