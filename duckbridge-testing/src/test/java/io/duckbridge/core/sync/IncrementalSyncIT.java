package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.incremental.IncrementalSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.testing.TestingPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Randomized incremental sync: inserts, updates sharing one timestamp, a transaction that commits after a
 * later one (within the overlap), soft deletes, hard deletes found by key reconciliation, an added column;
 * DuckDB ends equal to PostgreSQL.
 */
@Timeout(180)
class IncrementalSyncIT {
    static TestingPostgres pg;
    static DuckDbEngine engine;
    static PostgresSource source;

    @BeforeAll
    static void setUp() {
        pg = TestingPostgres.start();
        source = new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password());
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
    }

    @AfterAll
    static void tearDown() {
        if (engine != null) {
            engine.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    static TableSync sync(String table, int reconcileEvery) {
        return new TableSync(
                engine,
                source,
                null,
                new SyncSettings(
                        new TableSelector(List.of(table), List.of()),
                        null,
                        new SnapshotSettings(2, 10_000),
                        new IncrementalSettings("updated_at", Duration.ofMinutes(1), "deleted_at", reconcileEvery)));
    }

    @Test
    void randomizedChangesEndEqual() throws Exception {
        pg.execute("""
                CREATE TABLE items (id int PRIMARY KEY, v int, note text, updated_at timestamptz NOT NULL,
                    deleted_at timestamptz);
                INSERT INTO items SELECT g, g, 'n' || g, clock_timestamp(), NULL FROM generate_series(1, 500) g;
                """);
        TableSync sync = sync("public.items", 3);
        Map<String, Object> first = sync.run(null, SyncMode.INCREMENTAL, JobContext.none());
        assertThat(first.toString()).contains("fallbackReason").contains("no previous successful sync");
        assertEqual();

        Random random = new Random(42);
        int nextId = 501;
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            for (int round = 0; round < 12; round++) {
                // inserts
                for (int i = 0; i < 20; i++) {
                    st.executeUpdate("INSERT INTO items VALUES (" + nextId++ + ", " + random.nextInt(1000)
                            + ", 'new', clock_timestamp(), NULL)");
                }
                // updates sharing one timestamp, several in one statement
                int lo = 1 + random.nextInt(nextId - 50);
                st.executeUpdate("UPDATE items SET v = v + 1, updated_at = date_trunc('second', clock_timestamp())"
                        + " WHERE id BETWEEN " + lo + " AND " + (lo + 15));
                // soft deletes
                st.executeUpdate("UPDATE items SET deleted_at = clock_timestamp(), updated_at = clock_timestamp()"
                        + " WHERE id = " + (1 + random.nextInt(nextId - 1)));
                // hard deletes (only key reconciliation can see them)
                st.executeUpdate("DELETE FROM items WHERE id = " + (1 + random.nextInt(nextId - 1)));
                // a transaction that stamps its row first but commits after the sync has seen later rows
                try (Connection late = pg.connect();
                        Statement lst = late.createStatement()) {
                    late.setAutoCommit(false);
                    int id = 1 + random.nextInt(nextId - 1);
                    lst.executeUpdate("UPDATE items SET note = 'late " + round + "', updated_at = clock_timestamp()"
                            + " WHERE id = " + id);
                    int other = id == 1 ? 2 : id - 1; // never the row the open transaction holds
                    st.executeUpdate("UPDATE items SET v = -v, updated_at = clock_timestamp() + interval '1 ms'"
                            + " WHERE id = " + other);
                    sync.run(null, SyncMode.INCREMENTAL, JobContext.none());
                    late.commit();
                }
                if (round == 6) {
                    st.execute("ALTER TABLE items ADD COLUMN extra int DEFAULT 7");
                    st.executeUpdate("UPDATE items SET extra = 1, updated_at = clock_timestamp() WHERE id < 20");
                }
                Map<String, Object> result = sync.run(null, SyncMode.INCREMENTAL, JobContext.none());
                assertThat(result.toString()).doesNotContain("fallbackReason");
                if (round == 6) {
                    assertThat(result.toString()).contains("addedColumns=[extra]");
                }
            }
        }
        sync("public.items", 1).run(null, SyncMode.INCREMENTAL, JobContext.none());
        assertEqual();
        SyncState state = sync.states().find(TableName.parse("items")).orElseThrow();
        assertThat(state.mode()).isEqualTo("incremental");
        assertThat(state.status()).isEqualTo("succeeded");
        assertThat(state.watermark()).isNotNull();
    }

    @Test
    void tablesWithoutKeyOrWatermarkFallBackToFullAndTypeChangesTriggerFull() {
        pg.execute("""
                CREATE TABLE keyless (id int, updated_at timestamptz);
                INSERT INTO keyless VALUES (1, now()), (1, now());
                CREATE TABLE drifting (id int PRIMARY KEY, v int, updated_at timestamptz DEFAULT now());
                INSERT INTO drifting (id, v) VALUES (1, 1), (2, 2);
                """);
        Map<String, Object> keyless = sync("public.keyless", 0).run(null, SyncMode.INCREMENTAL, JobContext.none());
        assertThat(keyless.toString()).contains("has no primary key");
        assertThat(duckStrings("SELECT count(*) FROM public.keyless")).containsExactly("2");

        TableSync drifting = sync("public.drifting", 0);
        drifting.run(null, SyncMode.FULL, JobContext.none());
        pg.execute("ALTER TABLE drifting ALTER COLUMN v TYPE text; UPDATE drifting SET v = 'x' || v");
        Map<String, Object> result = drifting.run(null, SyncMode.INCREMENTAL, JobContext.none());
        assertThat(result.toString()).contains("changed in PostgreSQL");
        assertThat(duckStrings("SELECT v FROM public.drifting ORDER BY id")).containsExactly("x1", "x2");
    }

    @Test
    void anEnumThatGainedALabelIsARetypedColumnAndFallsBackToFull() {
        pg.execute("""
                CREATE TYPE drift_state AS ENUM ('a', 'b');
                CREATE TABLE enum_drift (id int PRIMARY KEY, s drift_state, updated_at timestamptz DEFAULT now());
                INSERT INTO enum_drift (id, s) VALUES (1, 'a'), (2, 'b');
                """);
        TableSync sync = sync("public.enum_drift", 0);
        sync.run(null, SyncMode.FULL, JobContext.none());
        pg.execute("ALTER TYPE drift_state ADD VALUE 'c'");
        pg.execute("ALTER TYPE drift_state ADD VALUE 'a0' BEFORE 'b'");
        pg.execute("INSERT INTO enum_drift (id, s) VALUES (3, 'c'), (4, 'a0')");

        Map<String, Object> result = sync.run(null, SyncMode.INCREMENTAL, JobContext.none());

        assertThat(result.toString()).contains("fallbackReason").contains("changed in PostgreSQL");
        assertThat(duckStrings("SELECT id || '|' || s FROM public.enum_drift ORDER BY s"))
                .containsExactly("1|a", "4|a0", "2|b", "3|c");
        // the next run is incremental again
        pg.execute("INSERT INTO enum_drift (id, s) VALUES (5, 'c')");
        assertThat(sync.run(null, SyncMode.INCREMENTAL, JobContext.none()).toString())
                .doesNotContain("fallbackReason");
        assertThat(duckStrings("SELECT count(*) FROM public.enum_drift")).containsExactly("5");
    }

    @Test
    void infiniteAndFutureWatermarksDoNotHideLaterChanges() {
        pg.execute("""
                CREATE TABLE wm_future (id int PRIMARY KEY, v text, updated_at timestamptz);
                INSERT INTO wm_future VALUES (1, 'old', now() - interval '1 hour'), (2, 'forever', 'infinity'),
                    (3, 'next year', now() + interval '1 year');
                CREATE TABLE wm_future_naive (id int PRIMARY KEY, v text, updated_at timestamp);
                INSERT INTO wm_future_naive VALUES (1, 'old', localtimestamp - interval '1 hour'),
                    (2, 'forever', 'infinity'), (3, 'next year', localtimestamp + interval '1 year');
                """);
        for (String table : List.of("wm_future", "wm_future_naive")) {
            TableSync sync = sync("public." + table, 0);
            sync.run(null, SyncMode.FULL, JobContext.none());
            assertThat(sync.states()
                            .find(new TableName("public", table))
                            .orElseThrow()
                            .watermark())
                    .as(table)
                    .isNotEqualTo("infinity")
                    .doesNotContain(String.valueOf(java.time.Year.now().getValue() + 1));

            pg.execute("INSERT INTO " + table + " VALUES (4, 'new', now());" + " UPDATE " + table
                    + " SET v = 'changed', updated_at = now() WHERE id = 1");
            Map<String, Object> result = sync.run(null, SyncMode.INCREMENTAL, JobContext.none());
            assertThat(result.toString()).doesNotContain("fallbackReason");
            assertThat(duckStrings("SELECT id || '|' || v FROM public." + table + " ORDER BY id"))
                    .as(table)
                    .containsExactly("1|changed", "2|forever", "3|next year", "4|new");

            // and again on the next run
            pg.execute("INSERT INTO " + table + " VALUES (5, 'newer', now())");
            sync.run(null, SyncMode.INCREMENTAL, JobContext.none());
            assertThat(duckStrings("SELECT count(*) FROM public." + table)).containsExactly("5");
        }
    }

    @Test
    void aStoredWatermarkBeyondNowFallsBackToFull() {
        pg.execute("""
                CREATE TABLE wm_stuck (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
                INSERT INTO wm_stuck (id, v) VALUES (1, 'a');
                """);
        TableSync sync = sync("public.wm_stuck", 0);
        sync.run(null, SyncMode.FULL, JobContext.none());
        // as an earlier version recorded it for a table holding an infinite updated_at
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.executeUpdate("UPDATE duckbridge.sync_state SET watermark = 'infinity'"
                        + " WHERE table_name = 'public.wm_stuck'");
            }
            return null;
        });
        pg.execute("INSERT INTO wm_stuck (id, v) VALUES (2, 'b')");

        Map<String, Object> result = sync.run(null, SyncMode.INCREMENTAL, JobContext.none());

        assertThat(result.toString()).contains("fallbackReason").contains("later than PostgreSQL's current time");
        assertThat(duckStrings("SELECT count(*) FROM public.wm_stuck")).containsExactly("2");
    }

    @Test
    void fullSyncLeavesOutSoftDeletedRowsInEveryRange() {
        pg.execute("""
                CREATE TABLE archived (id int PRIMARY KEY, updated_at timestamptz DEFAULT now(), deleted_at timestamptz);
                INSERT INTO archived (id, deleted_at)
                    SELECT g, CASE WHEN g % 3 = 0 THEN now() END FROM generate_series(1, 30000) g;
                ANALYZE archived;
                """);
        // 30,000 rows with ranges of 10,000: the filter must hold in each ctid range, not only in the first
        sync("public.archived", 0).run(null, SyncMode.FULL, JobContext.none());
        assertThat(duckStrings("SELECT count(*) || '|' || count(*) FILTER (WHERE id % 3 = 0) FROM public.archived"))
                .containsExactly("20000|0");
    }

    @Test
    void fullSyncStoresTheLayoutOrderAndIndexesAndOptimizeRestoresIt() {
        pg.execute("""
                CREATE TABLE laid_out (id int PRIMARY KEY, v int, updated_at timestamptz DEFAULT now());
                INSERT INTO laid_out (id, v) SELECT g, (g * 7919) % 30011 FROM generate_series(1, 30000) g;
                ANALYZE laid_out;
                """);
        TableName name = new TableName("public", "laid_out");
        TableSync sync = new TableSync(
                engine,
                source,
                null,
                new SyncSettings(
                        new TableSelector(List.of("public.laid_out"), List.of()),
                        null,
                        new SnapshotSettings(2, 10_000),
                        new IncrementalSettings("updated_at", Duration.ofMinutes(1), null, 0),
                        Map.of(name, new TableLayout(List.of("v"), List.of("id")))));
        sync.run(null, SyncMode.FULL, JobContext.none());
        assertThat(duckStrings(outOfOrder("v"))).containsExactly("0");
        assertThat(duckStrings("SELECT count(*) || '|' || sum(v) FROM public.laid_out"))
                .containsExactly("30000|" + sumV());
        assertThat(duckStrings("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'laid_out'"))
                .containsExactly("laid_out_id_idx");

        // incremental changes append out of order; optimize puts the rows back in layout order
        pg.execute("UPDATE laid_out SET v = 30011 - v, updated_at = clock_timestamp() WHERE id % 2 = 0");
        sync.run(null, SyncMode.INCREMENTAL, JobContext.none());
        assertThat(Long.parseLong(duckStrings(outOfOrder("v")).get(0))).isPositive();
        sync.optimize(name);
        assertThat(duckStrings(outOfOrder("v"))).containsExactly("0");
        assertThat(duckStrings("SELECT count(*) FROM public.laid_out")).containsExactly("30000");
        assertThat(duckStrings("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'laid_out'"))
                .containsExactly("laid_out_id_idx");
    }

    @Test
    void aLayoutNamingAMissingColumnFailsOnlyItsTable() {
        pg.execute("""
                CREATE TABLE layout_ok (id int PRIMARY KEY, v int);
                INSERT INTO layout_ok SELECT g, g FROM generate_series(1, 100) g;
                CREATE TABLE layout_bad (id int PRIMARY KEY, v int);
                INSERT INTO layout_bad SELECT g, g FROM generate_series(1, 50) g;
                """);
        TableName ok = new TableName("public", "layout_ok");
        TableName bad = new TableName("public", "layout_bad");
        var selector = new TableSelector(List.of("public.layout_ok", "public.layout_bad"), List.of());
        new TableSync(engine, source, null, new SyncSettings(selector, null, new SnapshotSettings(2, 10_000), null))
                .run(null, SyncMode.FULL, JobContext.none());
        pg.execute("INSERT INTO layout_ok SELECT g, g FROM generate_series(101, 200) g;"
                + " INSERT INTO layout_bad SELECT g, g FROM generate_series(51, 60) g");

        TableSync withBadLayout = new TableSync(
                engine,
                source,
                null,
                new SyncSettings(
                        selector,
                        null,
                        new SnapshotSettings(2, 10_000),
                        new IncrementalSettings("updated_at", Duration.ofMinutes(1), null, 0),
                        Map.of(bad, new TableLayout(List.of("v"), List.of("no_such_column")))));
        assertThatThrownBy(() -> withBadLayout.run(null, SyncMode.FULL, JobContext.none()))
                .isInstanceOf(DuckbridgeException.class)
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                .hasMessageContaining("duckbridge.sync.layouts[public.layout_bad].indexes")
                .hasMessageContaining("\"no_such_column\"")
                .hasMessageContaining("public.layout_bad does not have");
        // the other table synced; the bad one kept its previous copy and records why it failed
        assertThat(duckStrings("SELECT count(*) FROM public.layout_ok")).containsExactly("200");
        assertThat(duckStrings("SELECT count(*) FROM public.layout_bad")).containsExactly("50");
        assertThat(withBadLayout.describe(ok).get("syncState").toString()).contains("succeeded");
        assertThat(withBadLayout.describe(bad).get("syncState").toString())
                .contains("failed")
                .contains("no_such_column");
    }

    private static long sumV() {
        long sum = 0;
        for (long g = 1; g <= 30000; g++) {
            sum += (g * 7919) % 30011;
        }
        return sum;
    }

    private static String outOfOrder(String column) {
        return "SELECT count(*) FROM (SELECT " + column + " < lag(" + column + ") OVER (ORDER BY rowid) AS back FROM"
                + " public.laid_out) WHERE back";
    }

    static void assertEqual() throws Exception {
        List<String> expected = new ArrayList<>();
        boolean extra;
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(
                    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name ="
                            + " 'extra'")) {
                rs.next();
                extra = rs.getInt(1) > 0;
            }
            try (ResultSet rs = st.executeQuery("SELECT id || '|' || v || '|' || note || '|' ||"
                    + " (extract(epoch from updated_at) * 1000000)::bigint" + (extra ? " || '|' || extra" : "")
                    + " FROM items WHERE deleted_at IS NULL ORDER BY id")) {
                while (rs.next()) {
                    expected.add(rs.getString(1));
                }
            }
        }
        List<String> actual = duckStrings("SELECT id || '|' || v || '|' || note || '|' || epoch_us(updated_at)"
                + (extra ? " || '|' || extra" : "") + " FROM public.items ORDER BY id");
        assertThat(actual).containsExactlyElementsOf(expected);
    }

    static List<String> duckStrings(String sql) {
        return engine.read(session -> {
            List<String> out = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }
}
