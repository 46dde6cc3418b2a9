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
 */
public record RestoreResult(
        String id,
        Map<String, Long> tables,
        Map<String, List<Map<String, Object>>> state,
        long writePauseMillis,
        long durationMillis) {}
