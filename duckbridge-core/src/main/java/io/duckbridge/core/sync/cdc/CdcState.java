package io.duckbridge.core.sync.cdc;

/** Where change data capture is in its life. */
public enum CdcState {
    /** Not running (never started, or stopped). */
    STOPPED,
    /** Started: connecting to PostgreSQL and preparing the slot (SNAPSHOTTING or STREAMING comes next). */
    STARTING,
    /** Creating the slot and copying the tables from its snapshot. */
    SNAPSHOTTING,
    /** Receiving and applying changes. */
    STREAMING,
    /** The connection to PostgreSQL was lost; retrying with backoff. */
    RECONNECTING,
    /** Stopped by an error that retrying cannot fix (e.g. the slot was dropped); see {@code lastError}. */
    FAILED
}
