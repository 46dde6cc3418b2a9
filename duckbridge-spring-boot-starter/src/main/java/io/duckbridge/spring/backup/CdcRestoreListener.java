package io.duckbridge.spring.backup;

import io.duckbridge.core.backup.BackupManifest;
import io.duckbridge.core.backup.RestoreListener;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops change data capture while a restore swaps the database contents and starts it again afterwards,
 * so that CDC resumes from the applied LSN stored in the restored {@code duckbridge.cdc_state}; when that
 * position is behind what the slot has already confirmed, {@link ChangeCapture#start()} copies the captured
 * tables again before streaming on. Only restarts CDC if it was running. Confined to the restoring thread.
 */
public class CdcRestoreListener implements RestoreListener {
    private static final Logger log = LoggerFactory.getLogger(CdcRestoreListener.class);

    private final ChangeCapture capture;
    private boolean wasRunning;

    public CdcRestoreListener(ChangeCapture capture) {
        this.capture = capture;
    }

    @Override
    public void beforeSwap(BackupManifest backup) {
        wasRunning = capture.isRunning();
        if (wasRunning) {
            log.info("stopping change data capture while backup {} is restored", backup.id());
            capture.stop();
        }
    }

    @Override
    public void afterSwap(BackupManifest backup, boolean swapped) {
        if (wasRunning) {
            log.info("starting change data capture again after restoring backup {}", backup.id());
            capture.start();
        }
    }
}
