package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.schema.TypeMapping;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batches applied to a real DuckDB file: what becomes visible, and when. */
class ChangeApplierTest {
    private static final SourceTable ITEMS = new SourceTable(
            "public",
            "items",
            List.of(new SourceTable.Column("id", 20, -1, 1), new SourceTable.Column("name", 25, -1, 2)),
            List.of(0));

    @TempDir
    Path dir;

    private DuckDbEngine engine;
    private long lsn = 100;

    @BeforeEach
    void openEngine() {
        engine = DuckDbEngine.open(
                EngineSettings.defaults(dir.resolve("apply.duckdb").toString()));
        engine.write(session -> {
            CdcStateStore.createTables(session);
            try (Statement st = session.statement()) {
                st.execute("CREATE SCHEMA IF NOT EXISTS public");
                st.execute("CREATE TABLE public.items (id BIGINT, name VARCHAR)");
                st.execute("INSERT INTO public.items SELECT i, 'item ' || i FROM range(1, 11) t(i)");
            }
            return null;
        });
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void showsNothingOfABatchWhoseTransactionRollsBack() {
        ChangeApplier.Targets targets = new ChangeApplier.Targets();
        apply(targets, transaction(insert(50, "known"))); // the table's columns are known from now on
        // inserts only: the rows go to the table through an appender, which must join the transaction
        PendingTransaction tx = transaction(insert(100, "a"), insert(101, "b"));
        assertThatThrownBy(() -> engine.write(session -> {
                    ChangeApplier.apply(session, "s", List.of(tx), TypeMapping.defaults(), targets);
                    throw new IllegalStateException("the process dies before the commit");
                }))
                .hasRootCauseMessage("the process dies before the commit");

        assertThat(rows()).hasSize(11).doesNotContain("100=a", "101=b");
        assertThat(engine.read(session -> CdcStateStore.position(session, "s")).appliedLsn())
                .isNotEqualTo(tx.commitLsn);

        apply(targets, tx);
        assertThat(rows()).hasSize(13).contains("100=a", "101=b");
        assertThat(engine.read(session -> CdcStateStore.position(session, "s")).appliedLsn())
                .isEqualTo(tx.commitLsn);
    }

    @Test
    void deletesExactlyTheChangedKeysInARangeOrScattered() {
        ChangeApplier.Targets targets = new ChangeApplier.Targets();
        // keys 3..5 fill a range; 7 and 9 do not; 6 and 8 must survive both
        apply(targets, transaction(update(3, "x"), update(4, "x"), update(5, "x")));
        apply(targets, transaction(delete(7), update(9, "y"), insert(11, "new")));
        apply(targets, transaction(keyChange(1, 1001), delete(2)));

        assertThat(rows())
                .containsExactly(
                        "3=x", "4=x", "5=x", "6=item 6", "8=item 8", "9=y", "10=item 10", "11=new", "1001=item 1");
    }

    private void apply(ChangeApplier.Targets targets, PendingTransaction tx) {
        engine.write(session -> ChangeApplier.apply(session, "s", List.of(tx), TypeMapping.defaults(), targets));
    }

    private List<String> rows() {
        return engine.read(session -> {
            List<String> rows = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT id, name FROM public.items ORDER BY id")) {
                while (rs.next()) {
                    rows.add(rs.getLong(1) + "=" + rs.getString(2));
                }
            }
            return rows;
        });
    }

    private PendingTransaction transaction(Change... changes) {
        lsn += 10;
        PendingTransaction tx = new PendingTransaction(new Lsn(lsn), Instant.now());
        tx.endLsn = new Lsn(lsn + 5);
        tx.changes.addAll(List.of(changes));
        return tx;
    }

    private static TupleData tuple(long id, String name) {
        return new TupleData(List.of(TupleData.Value.text(Long.toString(id)), TupleData.Value.text(name)));
    }

    private static Change insert(long id, String name) {
        return new Change.Row(ITEMS, 'I', (char) 0, null, tuple(id, name));
    }

    private static Change update(long id, String name) {
        return new Change.Row(ITEMS, 'U', (char) 0, null, tuple(id, name));
    }

    private static Change keyChange(long from, long to) {
        TupleData oldKey = new TupleData(List.of(TupleData.Value.text(Long.toString(from)), TupleData.Value.NULL));
        return new Change.Row(ITEMS, 'U', 'K', oldKey, tuple(to, "item " + from));
    }

    private static Change delete(long id) {
        TupleData oldKey = new TupleData(List.of(TupleData.Value.text(Long.toString(id)), TupleData.Value.NULL));
        return new Change.Row(ITEMS, 'D', 'K', oldKey, null);
    }
}
