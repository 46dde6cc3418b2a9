package io.duckbridge.core.backup;

/**
 * Told around the online swap of a restore, e.g. to stop change data capture before the live contents
 * (and the {@code duckbridge} state tables with the applied LSN) are replaced and to start it again
 * afterwards. Called on the restoring thread; an exception from {@link #beforeSwap} aborts the restore
 * before anything changed.
 */
public interface RestoreListener {
    /** Called after the backup was validated, just before the swap. */
    default void beforeSwap(BackupManifest backup) {}

    /**
     * Called after the swap, whether or not it succeeded.
     *
     * @param swapped whether the live contents are now the backup's
     */
    default void afterSwap(BackupManifest backup, boolean swapped) {}
}
