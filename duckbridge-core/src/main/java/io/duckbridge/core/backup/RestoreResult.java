package io.duckbridge.core.backup;

import java.util.List;
import java.util.Map;

/**
 * What a restore did.
 *
 * @param id the restored backup
 * @param tables row counts of the restored tables
 * @param state the Duckbridge state rows (sync watermarks, CDC applied LSN) the database now holds
 * @param writePauseMillis how long writes waited (the swap on the writer lane); 0 offline
 * @param durationMillis the whole restore, validation included
 * @param staged whether the tables were copied into the live database outside the writer lane before the
 *     swap (false when the copy ran on the lane, see {@link BackupService#restore}, and offline)
 */
public record RestoreResult(
        String id,
        Map<String, Long> tables,
        Map<String, List<Map<String, Object>>> state,
        long writePauseMillis,
        long durationMillis,
        boolean staged) {}
