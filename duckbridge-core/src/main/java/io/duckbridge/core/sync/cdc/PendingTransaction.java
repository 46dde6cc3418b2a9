package io.duckbridge.core.sync.cdc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL transaction (or a heartbeat position) received from the slot and not yet applied.
 * Confined to the CDC thread until handed to the writer lane.
 */
final class PendingTransaction {
    /** The commit record's position (Begin's final LSN); the value stored as applied. */
    final Lsn commitLsn;

    final Instant commitTime;
    final List<Change> changes = new ArrayList<>();
    /** The position after the commit record; what is confirmed to PostgreSQL once applied. */
    Lsn endLsn;

    boolean needsResync;

    PendingTransaction(Lsn commitLsn, Instant commitTime) {
        this.commitLsn = commitLsn;
        this.commitTime = commitTime;
    }

    /** A position without changes (a heartbeat message): applying it stores and confirms {@code lsn}. */
    static PendingTransaction marker(Lsn lsn, Instant time) {
        PendingTransaction tx = new PendingTransaction(lsn, time);
        tx.endLsn = lsn;
        return tx;
    }

    int rowChanges() {
        int n = 0;
        for (Change c : changes) {
            if (c instanceof Change.Row) {
                n++;
            }
        }
        return n;
    }
}
