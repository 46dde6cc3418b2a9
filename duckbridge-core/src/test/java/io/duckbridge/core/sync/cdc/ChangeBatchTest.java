package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How received transactions join the batch the writer lane applies. */
class ChangeBatchTest {
    private static final SourceTable ORDERS = new SourceTable("public", "orders", List.of(), List.of());

    private static PendingTransaction tx(long lsn, boolean withChanges) {
        PendingTransaction tx = new PendingTransaction(new Lsn(lsn), Instant.EPOCH);
        tx.endLsn = new Lsn(lsn + 1);
        if (withChanges) {
            tx.changes.add(new Change.Truncate(ORDERS));
        }
        return tx;
    }

    @Test
    void transactionsWithoutChangesForCdcNeverDropEarlierOnesThatHaveSome() {
        // as seen: a change to a streaming table, then two transactions that touched only a table set aside
        List<PendingTransaction> batch = new ArrayList<>();
        ChangeCapture.append(batch, tx(100, true));
        ChangeCapture.append(batch, tx(200, false));
        ChangeCapture.append(batch, tx(300, false));
        assertThat(batch).extracting(t -> t.commitLsn.value()).containsExactly(100L, 300L);
        assertThat(batch.getFirst().changes).hasSize(1);

        // a heartbeat's marker behaves the same
        ChangeCapture.append(batch, PendingTransaction.marker(new Lsn(400), Instant.EPOCH));
        ChangeCapture.append(batch, tx(500, true));
        ChangeCapture.append(batch, PendingTransaction.marker(new Lsn(600), Instant.EPOCH));
        ChangeCapture.append(batch, tx(700, false));
        assertThat(batch).extracting(t -> t.commitLsn.value()).containsExactly(100L, 399L, 500L, 700L);
        assertThat(batch.stream().mapToInt(t -> t.changes.size()).sum()).isEqualTo(2);
    }

    @Test
    void aHeartbeatsMarkerDoesNotCoverATransactionCommittedRightAfterIt() {
        // pgoutput: a non-transactional message's LSN is the end of its record; a transaction's (Begin's final
        // LSN) the start of its commit record, which may be the very next record
        PendingTransaction marker = PendingTransaction.marker(new Lsn(0x1000), Instant.EPOCH);
        Lsn commitRightAfter = new Lsn(0x1000);
        assertThat(commitRightAfter.isAfter(marker.commitLsn))
                .as("not skipped once the marker is applied")
                .isTrue();
        assertThat(marker.endLsn).isEqualTo(new Lsn(0x1000)); // confirmed: PostgreSQL still sends that commit
        Lsn commitBefore = new Lsn(0x1000 - 24); // committed before the message: its commit record starts earlier
        assertThat(commitBefore.isAfter(marker.commitLsn)).isFalse();
    }

    @Test
    void aRunOfEmptyTransactionsKeepsOnlyTheLatestWhoseEndCoversThem() {
        List<PendingTransaction> batch = new ArrayList<>();
        for (long lsn = 1; lsn <= 50; lsn++) {
            ChangeCapture.append(batch, tx(lsn * 10, false));
        }
        assertThat(batch).singleElement().extracting(t -> t.endLsn.value()).isEqualTo(501L);
    }
}
