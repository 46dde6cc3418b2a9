package io.duckbridge.core.sync.cdc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL transaction (or a heartbeat position) received from the slot and not yet applied.
 * Confined to the CDC thread until handed to the writer lane.
 */
final class PendingTransaction {
    /**
     * The commit record's position (Begin's final LSN, the START of the record); the value stored as applied. A
     * marker's is one byte before its message's end (see {@link #marker}).
     */
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

    /**
     * A position without changes: a heartbeat, a non-transactional message whose {@code lsn} is as pgoutput sends
     * it, the END of the message's WAL record. Applying the marker confirms {@code lsn} but stores one byte less as
     * applied, a position inside the message's own record. A transaction is known by the START of its commit
     * record (Begin's final LSN, compared with the applied one to skip what is applied already), and a commit
     * record written right after the message starts exactly at {@code lsn}: storing {@code lsn} itself made that
     * transaction look applied, and it was skipped. One byte less is still after every transaction committed
     * before the message, whose commit records end at or before the message's start.
     */
    static PendingTransaction marker(Lsn lsn, Instant time) {
        PendingTransaction tx = new PendingTransaction(new Lsn(lsn.value() - 1), time);
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
