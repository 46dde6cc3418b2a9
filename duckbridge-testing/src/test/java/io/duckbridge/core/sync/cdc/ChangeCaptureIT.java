package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot, streaming and apply of every kind of change, against a real PostgreSQL and DuckDB. */
@Timeout(180)
class ChangeCaptureIT {
    private static TestingPostgres postgres;
    private static PostgresSource source;

    @TempDir
    Path dir;

    private DuckDbEngine engine;

    @BeforeAll
    static void startPostgres() {
        postgres = TestingPostgres.start();
        source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @BeforeEach
    void openEngine() {
        engine = DuckDbEngine.open(
                EngineSettings.defaults(dir.resolve("analytics.duckdb").toString()));
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    private CdcSettings settings(String name, List<String> tables) {
        return CdcSettings.defaults()
                .withSlotName(name)
                .withPublicationName(name)
                .withTables(tables)
                .withHeartbeatInterval(Duration.ofMillis(500));
    }

    @Test
    void copiesThenStreamsEveryKindOfChange() throws Exception {
        postgres.execute("CREATE TABLE cc_items (id bigint PRIMARY KEY, name text, price numeric(10,2),"
                + " active boolean, created timestamptz, day date, data bytea, doc jsonb, tags text[],"
                + " ratio double precision, big text, uid uuid)");
        postgres.execute("ALTER TABLE cc_items ALTER COLUMN big SET STORAGE EXTERNAL");
        postgres.execute("CREATE TABLE cc_nokey (a int, b text)");
        postgres.execute("ALTER TABLE cc_nokey REPLICA IDENTITY FULL");
        postgres.execute("INSERT INTO cc_items SELECT g, 'item ' || g, g * 1.5, g % 2 = 0,"
                + " '2024-01-01 10:00:00+02'::timestamptz + g * interval '1 hour', date '2024-01-01' + g,"
                + " '\\x0102'::bytea, jsonb_build_object('g', g), ARRAY['a', 'b,c'], g / 3.0,"
                + " CASE WHEN g = 1 THEN repeat('toast', 50000) END, gen_random_uuid() FROM generate_series(1, 500) g");
        postgres.execute("INSERT INTO cc_nokey VALUES (1, 'x'), (1, 'x'), (2, NULL), (3, '')");
        postgres.execute("INSERT INTO cc_items (id, name) VALUES (1000, E'line\\nbreak \"quoted\", comma')");

        List<String> tables = List.of("public.cc_items", "public.cc_nokey");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_basic", tables))) {
            cdc.start();
            awaitEqual(tables);
            assertThat(TableComparison.duckCount(engine, "public.cc_items")).isEqualTo(501);

            postgres.execute("INSERT INTO cc_items (id, name, big) VALUES (2000, 'new', repeat('y', 30000))");
            postgres.execute("UPDATE cc_items SET price = price + 1 WHERE id <= 100"); // big stays: unchanged TOAST
            postgres.execute("UPDATE cc_items SET id = 5001 WHERE id = 1"); // key change with TOASTed value
            postgres.execute("UPDATE cc_items SET name = 'renamed' WHERE id = 5001"); // TOAST still unchanged
            postgres.execute("DELETE FROM cc_items WHERE id BETWEEN 200 AND 260");
            postgres.execute("UPDATE cc_items SET name = NULL, doc = NULL WHERE id = 300");
            postgres.execute("DELETE FROM cc_nokey WHERE a = 1 AND b = 'x' AND ctid = (SELECT min(ctid) FROM cc_nokey"
                    + " WHERE a = 1)");
            postgres.execute("UPDATE cc_nokey SET b = 'two' WHERE a = 2");
            postgres.execute("BEGIN; INSERT INTO cc_items (id, name) VALUES (3000, 'tx'); UPDATE cc_items SET"
                    + " name = 'tx2' WHERE id = 3000; DELETE FROM cc_items WHERE id = 2; COMMIT");
            awaitEqual(tables);
            assertThat(bigOf(5001)).hasSize(250_000);

            postgres.execute("TRUNCATE cc_nokey");
            postgres.execute("INSERT INTO cc_nokey VALUES (9, 'after truncate')");
            awaitEqual(tables);

            CdcStatus status = cdc.status();
            assertThat(status.state()).isEqualTo(CdcState.STREAMING);
            assertThat(status.slot()).isEqualTo("cc_basic");
            assertThat(status.appliedChanges()).isGreaterThan(100);
            assertThat(status.confirmedLsn()).isNotNull();
            assertThat(status.tables()).extracting(CdcStatus.TableStatus::table).containsExactlyElementsOf(tables);
            cdc.disable();
        }
        assertThat(postgres.query("SELECT count(*) FROM pg_replication_slots")
                        .getFirst()
                        .getFirst())
                .isEqualTo(0L);
        assertThat(postgres.query("SELECT count(*) FROM pg_publication")
                        .getFirst()
                        .getFirst())
                .isEqualTo(0L);
    }

    @Test
    void streamsChangesToAPartitionedTableAsTheOneTable() throws Exception {
        postgres.execute("CREATE TABLE cc_parted (id int, region text, v numeric, PRIMARY KEY (id, region))"
                + " PARTITION BY LIST (region)");
        postgres.execute("CREATE TABLE cc_parted_eu PARTITION OF cc_parted FOR VALUES IN ('eu')");
        postgres.execute("CREATE TABLE cc_parted_us PARTITION OF cc_parted FOR VALUES IN ('us')");
        postgres.execute("INSERT INTO cc_parted VALUES (1, 'eu', 1.5), (2, 'us', 2.5), (3, 'eu', 3.5)");
        List<String> tables = List.of("public.cc_parted");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_parted", tables))) {
            cdc.start();
            awaitEqual(tables);

            postgres.execute("INSERT INTO cc_parted VALUES (4, 'eu', 4.5), (5, 'us', 5.5)");
            postgres.execute("UPDATE cc_parted SET v = 9.99 WHERE id = 1");
            postgres.execute("DELETE FROM cc_parted WHERE id = 2");
            postgres.execute("UPDATE cc_parted SET region = 'us' WHERE id = 3"); // moves to another partition
            awaitEqual(tables);
            assertThat(TableComparison.duckCount(engine, "public.cc_parted")).isEqualTo(4);
            assertThat(postgres.query("SELECT pubviaroot FROM pg_publication WHERE pubname = 'cc_parted'")
                            .getFirst()
                            .getFirst())
                    .isEqualTo(true);
            cdc.disable();
        }
    }

    @Test
    void withoutATableListCapturesWhatTheSyncSelectsAndNothingItLeavesOut() throws Exception {
        postgres.execute("CREATE TABLE cc_sel_orders (id int PRIMARY KEY, v text)");
        postgres.execute("CREATE TABLE cc_sel_secret (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_sel_orders VALUES (1, 'a')");
        postgres.execute("INSERT INTO cc_sel_secret VALUES (1, 'do not copy')");
        CdcSettings selected = settings("cc_sel", List.of())
                .withSelector(new io.duckbridge.core.schema.TableSelector(
                        List.of("public.cc_sel_*"), List.of("public.cc_sel_secret")));
        try (ChangeCapture cdc = new ChangeCapture(engine, source, selected)) {
            cdc.start();
            awaitEqual(List.of("public.cc_sel_orders"));
            assertThat(cdc.status().tables())
                    .extracting(CdcStatus.TableStatus::table)
                    .containsExactly("public.cc_sel_orders");
            assertThat(postgres.query("SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                            + " WHERE pubname = 'cc_sel'"))
                    .containsExactly(List.of("public.cc_sel_orders"));
            assertThat(TableComparison.duckCount(engine, "public.cc_sel_orders"))
                    .isEqualTo(1);
            cdc.disable();
        }
        long copied = engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(
                            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cc_sel_secret'")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(copied).isZero();
    }

    @Test
    void aSyncLeavesStreamedTablesToCdcAndATableSyncedWhileCdcStoppedIsCopiedAgainNotReplayed() throws Exception {
        postgres.execute("CREATE TABLE cc_manual (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_manual SELECT g, 'v' || g FROM generate_series(1, 100) g");
        List<String> tables = List.of("public.cc_manual");
        var name = new io.duckbridge.core.schema.TableName("public", "cc_manual");
        var sync = new io.duckbridge.core.sync.TableSync(
                engine,
                source,
                null,
                new io.duckbridge.core.sync.SyncSettings(
                        new io.duckbridge.core.schema.TableSelector(List.of("public.cc_manual"), List.of()),
                        null,
                        new io.duckbridge.core.sync.snapshot.SnapshotSettings(2, 10_000),
                        new io.duckbridge.core.sync.incremental.IncrementalSettings(
                                "updated_at", Duration.ofMinutes(1), null, 0)));
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_manual", tables))) {
            sync.leaveToChangeCapture(cdc::streams);
            cdc.start();
            awaitEqual(tables);
            // a table CDC keeps names its PostgreSQL source, as a synced one does
            assertThat(sync.listTables())
                    .filteredOn(t -> "cc_manual".equals(t.get("name")))
                    .singleElement()
                    .satisfies(t -> assertThat(t).containsEntry("source", "pg public.cc_manual"));
            assertThat(sync.describe(name)).containsEntry("source", "pg public.cc_manual");
            // and its columns' PostgreSQL types, although CDC keeps no sync state
            assertThat(sync.describe(name).get("columns").toString())
                    .contains("postgresType=integer")
                    .contains("postgresType=text");

            // while the stream runs, a sync of the table is refused and a sync of everything leaves it out
            assertThatThrownBy(() -> sync.run(
                            List.of(name),
                            io.duckbridge.core.sync.SyncMode.FULL,
                            io.duckbridge.core.jobs.JobContext.none()))
                    .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo(ErrorClass.CONFLICT);
                        assertThat(e.getMessage()).contains("public.cc_manual", "/api/v1/cdc/stop");
                    });
            assertThat(sync.run(null, io.duckbridge.core.sync.SyncMode.FULL, io.duckbridge.core.jobs.JobContext.none())
                            .toString())
                    .doesNotContain("cc_manual");

            // stopped: changes wait in the slot; a sync copies them, and the next start must not apply them again
            // — nor the table's older shape: a column added before the sync keeps the values the copy has
            cdc.stop();
            postgres.execute("INSERT INTO cc_manual VALUES (500, 'while stopped')");
            postgres.execute("UPDATE cc_manual SET v = 'changed' WHERE id = 1");
            postgres.execute("ALTER TABLE cc_manual ADD COLUMN x int");
            postgres.execute("UPDATE cc_manual SET x = id WHERE id <= 50");
            sync.run(List.of(name), io.duckbridge.core.sync.SyncMode.FULL, io.duckbridge.core.jobs.JobContext.none());
            cdc.start();
            postgres.execute("INSERT INTO cc_manual VALUES (501, 'after start', 501)");
            awaitEqual(tables);
            assertThat(TableComparison.duckCount(engine, "public.cc_manual")).isEqualTo(102);
            Long withX = engine.read(session -> {
                try (var rs = session.statement().executeQuery("SELECT count(x) FROM public.cc_manual")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(withX)
                    .as("the values of the column added before the sync")
                    .isEqualTo(51L);
            cdc.disable();
        }
    }

    @Test
    void aColumnDroppedAndAddedAgainUnderItsNameDoesNotGetTheOldValues() throws Exception {
        postgres.execute("CREATE TABLE cc_readd (id int PRIMARY KEY, n int, c int)");
        postgres.execute("INSERT INTO cc_readd SELECT g, 0, g FROM generate_series(1, 40) g");
        List<String> tables = List.of("public.cc_readd");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_readd", tables))) {
            cdc.start();
            awaitEqual(tables);
            // stopped, so the stream reads these after the catalog already has the new column
            cdc.stop();
            try (var c = postgres.connect();
                    var st = c.createStatement()) {
                st.execute("ALTER TABLE cc_readd ADD COLUMN h int");
                st.execute("UPDATE cc_readd SET h = id, c = 1000 + id WHERE id <= 20");
                st.execute("ALTER TABLE cc_readd DROP COLUMN c");
                st.execute("ALTER TABLE cc_readd ADD COLUMN c int");
                st.execute("UPDATE cc_readd SET n = n + 1 WHERE id = 21");
            }
            cdc.start();
            awaitEqual(tables);
            Long withC = engine.read(session -> {
                try (var rs = session.statement().executeQuery("SELECT count(c) FROM public.cc_readd")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(withC).as("the new column is empty, as in PostgreSQL").isZero();
            postgres.execute("UPDATE cc_readd SET c = 7 WHERE id = 3");
            awaitEqual(tables);

            // a column the stream has not seen yet: added, filled, dropped and added again before it is read
            cdc.stop();
            try (var c = postgres.connect();
                    var st = c.createStatement()) {
                st.execute("ALTER TABLE cc_readd ADD COLUMN g int");
                st.execute("UPDATE cc_readd SET g = id WHERE id <= 20");
                st.execute("ALTER TABLE cc_readd DROP COLUMN g");
                st.execute("ALTER TABLE cc_readd ADD COLUMN g int");
                st.execute("UPDATE cc_readd SET n = n + 1 WHERE id = 22");
            }
            cdc.start();
            awaitEqual(tables);
            cdc.disable();
        }
    }

    @Test
    void leavesOutStoredGeneratedColumnsWhichTheStreamNeverCarries() throws Exception {
        postgres.execute("CREATE TABLE cc_generated (id int PRIMARY KEY, price numeric(10,2), qty int,"
                + " total numeric GENERATED ALWAYS AS (price * qty) STORED, note text)");
        postgres.execute("INSERT INTO cc_generated (id, price, qty, note) VALUES (1, 2.50, 4, 'a'), (2, 1.00, 1, 'b')");
        List<String> tables = List.of("public.cc_generated");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_generated", tables))) {
            cdc.start();
            awaitEqual(tables);
            postgres.execute("UPDATE cc_generated SET note = 'changed' WHERE id = 1");
            postgres.execute("INSERT INTO cc_generated (id, price, qty, note) VALUES (3, 3.00, 3, 'c')");
            awaitEqual(tables);
            // the same columns before and after the first changes: none was dropped or added on the way
            List<String> columns = engine.read(session -> {
                List<String> names = new java.util.ArrayList<>();
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery(
                                "SELECT column_name FROM duckdb_columns()"
                                        + " WHERE schema_name = 'public' AND table_name = 'cc_generated' ORDER BY column_index")) {
                    while (rs.next()) {
                        names.add(rs.getString(1));
                    }
                }
                return names;
            });
            assertThat(columns).containsExactly("id", "price", "qty", "note");
            assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
            cdc.disable();
        }
    }

    @Test
    void deletesExactlyTheChangedKeysWhetherTheyFillARangeOrNot() throws Exception {
        // each statement group is one PostgreSQL transaction, so it reaches DuckDB in one batch: dense key
        // sets are deleted by a key range, sparse ones and composite keys through a staging table of keys
        postgres.execute("CREATE TABLE cc_keys (id bigint PRIMARY KEY, v int, note text)");
        postgres.execute("CREATE TABLE cc_pairs (region text, n int, v text, PRIMARY KEY (region, n))");
        postgres.execute("INSERT INTO cc_keys SELECT g, g, 'n' || g FROM generate_series(1, 1000) g");
        postgres.execute("INSERT INTO cc_pairs SELECT r, g, r || g FROM unnest(ARRAY['eu', 'us']) r,"
                + " generate_series(1, 50) g");
        List<String> tables = List.of("public.cc_keys", "public.cc_pairs");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_ranges", tables))) {
            cdc.start();
            awaitEqual(tables);

            postgres.execute("UPDATE cc_keys SET v = v + 1 WHERE id BETWEEN 10 AND 60");
            postgres.execute("BEGIN; UPDATE cc_keys SET v = -v WHERE id % 7 = 0; DELETE FROM cc_keys WHERE id % 11 = 0;"
                    + " COMMIT");
            postgres.execute("UPDATE cc_keys SET id = id + 10000 WHERE id BETWEEN 100 AND 120");
            postgres.execute("BEGIN; DELETE FROM cc_keys WHERE id IN (300, 302); UPDATE cc_keys SET note = 'kept'"
                    + " WHERE id = 301; COMMIT");
            postgres.execute("BEGIN; INSERT INTO cc_keys VALUES (5000, 1, 'new'); UPDATE cc_keys SET v = 2"
                    + " WHERE id IN (5000, 500, 502); DELETE FROM cc_keys WHERE id = 501; COMMIT");
            postgres.execute("BEGIN; UPDATE cc_pairs SET v = 'changed' WHERE n BETWEEN 5 AND 9;"
                    + " DELETE FROM cc_pairs WHERE region = 'us' AND n % 3 = 0; UPDATE cc_pairs SET n = n + 100"
                    + " WHERE region = 'eu' AND n = 1; COMMIT");
            awaitEqual(tables);
            assertThat(TableComparison.duckCount(engine, "public.cc_keys")).isEqualTo((Long)
                    postgres.query("SELECT count(*) FROM cc_keys").getFirst().getFirst());
            cdc.disable();
        }
    }

    @Test
    void storesTypesAsTheSyncFeatureDoesInSnapshotAndStream() throws Exception {
        postgres.execute("CREATE TYPE cc_mood AS ENUM ('sad', 'ok', 'happy')");
        postgres.execute("CREATE DOMAIN cc_positive AS integer CHECK (VALUE > 0)");
        postgres.execute("CREATE TABLE cc_types (id int PRIMARY KEY, amount numeric, price numeric(12,4),"
                + " ints int[], words text[], mood cc_mood, pos cc_positive, span interval, doc jsonb,"
                + " at timestamptz, ratio real)");
        postgres.execute("INSERT INTO cc_types VALUES (1, 12345678901234567890.123456789, 1.5, '{1,2,3}',"
                + " '{a,\"b,c\",NULL}', 'ok', 7, '1 day 02:03:04', '{\"k\": [1, 2]}', '2024-02-29 23:59:59.5+05',"
                + " 0.1)");
        List<String> tables = List.of("public.cc_types");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_types", tables))) {
            cdc.start();
            awaitEqual(tables);
            postgres.execute("INSERT INTO cc_types VALUES (2, -0.000000001, 99999999.9999, '{}', '{x}', 'happy', 1,"
                    + " '-3 mons 4 days', '[]', 'infinity', 'NaN')");
            postgres.execute("UPDATE cc_types SET amount = amount * 2, ints = ints || 4, mood = 'sad' WHERE id = 1");
            postgres.execute("INSERT INTO cc_types (id) VALUES (3)");
            awaitEqual(tables);

            assertThat(columnTypes("cc_types"))
                    .containsEntry("amount", "DECIMAL(38,9)")
                    .containsEntry("price", "DECIMAL(12,4)")
                    .containsEntry("ints", "INTEGER[]")
                    .containsEntry("words", "VARCHAR[]")
                    .containsEntry("mood", "ENUM('sad', 'ok', 'happy')")
                    .containsEntry("pos", "INTEGER")
                    .containsEntry("span", "INTERVAL")
                    .containsEntry("doc", "JSON")
                    .containsEntry("at", "TIMESTAMP WITH TIME ZONE")
                    .containsEntry("ratio", "FLOAT");
            List<String> values = engine.read(session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT CAST(amount AS VARCHAR), ints[4], words[2],"
                                + " CAST(mood AS VARCHAR) FROM public.cc_types WHERE id = 1")) {
                    rs.next();
                    return List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
                }
            });
            assertThat(values).containsExactly("24691357802469135780.246913578", "4", "b,c", "sad");
            cdc.disable();
        }
    }

    @Test
    void appliesTheSyncFeaturesNumericOverridesInSnapshotAndStream() throws Exception {
        postgres.execute("CREATE TABLE cc_override (id int PRIMARY KEY, amount numeric, code numeric)");
        postgres.execute("INSERT INTO cc_override VALUES (1, 1.25, 100), (2, 123456789012345678901234567890.5, 7)");
        var types = new io.duckbridge.core.schema.TypeMapping(
                java.util.Map.of("public.cc_override.amount", "VARCHAR", "public.cc_override.code", "DECIMAL(10,0)"));
        List<String> tables = List.of("public.cc_override");
        try (ChangeCapture cdc = new ChangeCapture(
                engine, source, settings("cc_override", tables).withMapping(types))) {
            cdc.start();
            awaitEqual(tables, types);
            postgres.execute("INSERT INTO cc_override VALUES (3, 0.000000000001, 42)");
            postgres.execute("UPDATE cc_override SET amount = amount * 3 WHERE id = 2");
            awaitEqual(tables, types);

            assertThat(columnTypes("cc_override"))
                    .containsEntry("amount", "VARCHAR")
                    .containsEntry("code", "DECIMAL(10,0)");
            List<String> amounts = engine.read(session -> {
                List<String> out = new java.util.ArrayList<>();
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT amount FROM public.cc_override ORDER BY id")) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            });
            // kept exactly as PostgreSQL prints it, which DECIMAL(38,9) could not hold
            assertThat(amounts).containsExactly("1.25", "370370367037037036703703703671.5", "0.000000000001");
            cdc.disable();
        }
    }

    private java.util.Map<String, String> columnTypes(String table) {
        return engine.read(session -> {
            java.util.Map<String, String> types = new java.util.HashMap<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT column_name, data_type FROM information_schema.columns"
                            + " WHERE table_schema = 'public' AND table_name = '" + table + "'")) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
            return types;
        });
    }

    @Test
    void aChangeThatCannotBeAppliedSetsOnlyItsTableAsideUntilTheNextStart() throws Exception {
        postgres.execute("CREATE TYPE cc_iso_mood AS ENUM ('sad', 'ok')");
        postgres.execute("CREATE TABLE cc_iso_moods (id int PRIMARY KEY, mood cc_iso_mood)");
        postgres.execute("CREATE TABLE cc_iso_plain (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_iso_moods VALUES (1, 'ok')");
        postgres.execute("INSERT INTO cc_iso_plain VALUES (1, 'a')");
        List<String> tables = List.of("public.cc_iso_moods", "public.cc_iso_plain");
        List<String> plain = List.of("public.cc_iso_plain");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_iso_apply", tables))) {
            cdc.start();
            awaitEqual(tables);

            // a label DuckDB's ENUM (copied before it existed) cannot hold; the same transaction changes the
            // other table, whose change must still arrive
            postgres.execute("ALTER TYPE cc_iso_mood ADD VALUE 'happy'");
            postgres.execute("BEGIN; INSERT INTO cc_iso_plain VALUES (2, 'b'); INSERT INTO cc_iso_moods VALUES (2,"
                    + " 'happy'); COMMIT");
            postgres.execute("UPDATE cc_iso_moods SET mood = 'sad' WHERE id = 1");
            postgres.execute("INSERT INTO cc_iso_plain VALUES (3, 'c')");
            awaitEqual(plain);

            CdcStatus status = cdc.status();
            assertThat(status.state()).isEqualTo(CdcState.STREAMING);
            CdcStatus.TableStatus moods = tableStatus(status, "public.cc_iso_moods");
            assertThat(moods.state()).isEqualTo("failed");
            assertThat(moods.error()).contains("could not be applied").contains("happy");
            assertThat(tableStatus(status, "public.cc_iso_plain").state()).isEqualTo("streaming");
            assertThat(status.lastError()).startsWith("public.cc_iso_moods: ");
            assertThat(TableComparison.duckCount(engine, "public.cc_iso_moods"))
                    .as("the set-aside table keeps what DuckDB had")
                    .isEqualTo(1);
            postgres.execute("INSERT INTO cc_iso_plain VALUES (4, 'd')");
            awaitEqual(plain);

            // transactions that touch only the set-aside table bring CDC no changes; while a large one keeps
            // the lane busy they gather in one batch between changes of the other table, which must all arrive
            // (a run of two such transactions used to drop the whole batch before them)
            try (var c = postgres.connect();
                    var st = c.createStatement()) {
                st.execute("INSERT INTO cc_iso_plain SELECT g, 'bulk' FROM generate_series(1000, 150999) g");
                for (int i = 0; i < 100; i++) {
                    st.execute("INSERT INTO cc_iso_plain VALUES (" + (200_000 + i) + ", 'burst')");
                    st.execute("UPDATE cc_iso_moods SET mood = 'sad' WHERE id = 1");
                    st.execute("UPDATE cc_iso_moods SET mood = 'ok' WHERE id = 1");
                }
            }
            awaitEqual(plain);
            assertThat(TableComparison.duckCount(engine, "public.cc_iso_plain")).isEqualTo(4 + 150_000 + 100);

            // the failed state was stored with the position: the next start copies the table again
            cdc.stop();
            cdc.start();
            awaitEqual(tables);
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(30)))
                    .isTrue();
            moods = tableStatus(cdc.status(), "public.cc_iso_moods");
            assertThat(moods.state()).isEqualTo("streaming");
            assertThat(moods.error()).isNull();
            postgres.execute("INSERT INTO cc_iso_moods VALUES (3, 'happy')");
            postgres.execute("INSERT INTO cc_iso_plain VALUES (5, 'e')");
            awaitEqual(tables);
            cdc.disable();
        }
    }

    @Test
    void aTableThatCannotBeCopiedIsSetAsideWhileTheOthersStream() throws Exception {
        postgres.execute("CREATE TABLE cc_iso_wide (id int PRIMARY KEY, amount numeric)");
        postgres.execute("CREATE TABLE cc_iso_fine (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_iso_wide VALUES (1, 1.5), (2, 123456789)");
        postgres.execute("INSERT INTO cc_iso_fine VALUES (1, 'a')");
        var types = new io.duckbridge.core.schema.TypeMapping(
                java.util.Map.of("public.cc_iso_wide.amount", "DECIMAL(6,2)"));
        List<String> tables = List.of("public.cc_iso_fine", "public.cc_iso_wide");
        try (ChangeCapture cdc = new ChangeCapture(
                engine, source, settings("cc_iso_copy", tables).withMapping(types))) {
            cdc.start();
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(60)))
                    .as("streams the tables that could be copied")
                    .isTrue();
            CdcStatus.TableStatus wide = tableStatus(cdc.status(), "public.cc_iso_wide");
            assertThat(wide.state()).isEqualTo("failed");
            assertThat(wide.error()).contains("123456789").contains("DECIMAL(6,2)");
            postgres.execute("INSERT INTO cc_iso_fine VALUES (2, 'b')");
            postgres.execute("INSERT INTO cc_iso_wide VALUES (3, 2.5)");
            awaitEqual(List.of("public.cc_iso_fine"), types);

            // the fix: the value now fits; the next start copies the table again and streams it
            postgres.execute("UPDATE cc_iso_wide SET amount = 9999.99 WHERE id = 2");
            cdc.stop();
            cdc.start();
            awaitEqual(tables, types);
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(30)))
                    .isTrue();
            assertThat(tableStatus(cdc.status(), "public.cc_iso_wide").state()).isEqualTo("streaming");
            postgres.execute("UPDATE cc_iso_wide SET amount = 1 WHERE id = 1");
            awaitEqual(tables, types);
            cdc.disable();
        }
    }

    @Test
    void countsStreamedValuesChangedToFitTheirDuckDbType() throws Exception {
        postgres.execute("CREATE TABLE cc_lossy (id int PRIMARY KEY, amount numeric)");
        List<String> tables = List.of("public.cc_lossy");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_lossy", tables))) {
            cdc.start();
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(60)))
                    .isTrue();
            // DECIMAL(38,9) holds neither NaN nor a tenth decimal place: stored as NULL and rounded, and counted
            postgres.execute("INSERT INTO cc_lossy VALUES (1, 'NaN'), (2, 1.0000000001), (3, 2.5)");
            assertThat(poll(
                            () -> tableStatus(cdc.status(), "public.cc_lossy").lossyValues() == 2,
                            Duration.ofSeconds(30)))
                    .as("lossy values counted in the status")
                    .isTrue();
            assertThat(TableComparison.duckCount(engine, "public.cc_lossy")).isEqualTo(3);
            cdc.disable();
        }
    }

    private static CdcStatus.TableStatus tableStatus(CdcStatus status, String table) {
        return status.tables().stream()
                .filter(t -> t.table().equals(table))
                .findFirst()
                .orElseThrow(() -> new AssertionError(table + " not in " + status.tables()));
    }

    @Test
    void reportsASlotDroppedWhileStoppedAndCopiesAgainWhenConfiguredToRecreateIt() throws Exception {
        postgres.execute("CREATE TABLE cc_lost (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_lost SELECT g, 'row ' || g FROM generate_series(1, 100) g");
        List<String> tables = List.of("public.cc_lost");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_lost", tables))) {
            cdc.start();
            awaitEqual(tables);
            cdc.stop();
            postgres.execute("SELECT pg_drop_replication_slot('cc_lost')");
            postgres.execute("UPDATE cc_lost SET v = 'changed while the slot was gone' WHERE id <= 10");
            postgres.execute("DELETE FROM cc_lost WHERE id > 90");

            cdc.start();
            assertThat(poll(() -> cdc.status().state() == CdcState.FAILED, Duration.ofSeconds(60)))
                    .as("state after the slot was dropped underneath")
                    .isTrue();
            assertThat(cdc.status().lastError())
                    .contains("replication slot cc_lost was dropped outside Duckbridge")
                    .contains("are lost");
            assertThat(cdc.isRunning()).isFalse();
            assertThat(TableComparison.differences(source, engine, "public.cc_lost", dir))
                    .as("DuckDB keeps what it had; nothing is applied from a guessed position")
                    .isNotEmpty();
        }
        try (ChangeCapture cdc =
                new ChangeCapture(engine, source, settings("cc_lost", tables).withRecreateSlotOnLoss(true))) {
            cdc.start();
            awaitEqual(tables); // copied again from the new slot's snapshot
            assertThat(poll(() -> cdc.status().state() == CdcState.STREAMING, Duration.ofSeconds(60)))
                    .isTrue();
            postgres.execute("INSERT INTO cc_lost VALUES (500, 'after the new slot')");
            awaitEqual(tables);
            assertThat(postgres.query("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cc_lost'")
                            .getFirst()
                            .getFirst())
                    .isEqualTo(1L);
            cdc.disable();
        }
    }

    @Test
    void aPublicationDroppedByHandFailsTheStreamNamingTheWayOut() throws Exception {
        postgres.execute("CREATE TABLE cc_nopub (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_nopub VALUES (1, 'a')");
        List<String> tables = List.of("public.cc_nopub");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_nopub", tables))) {
            cdc.start();
            awaitEqual(tables);
            postgres.execute("DROP PUBLICATION cc_nopub");
            postgres.execute("INSERT INTO cc_nopub VALUES (2, 'b')");
            assertThat(poll(() -> cdc.status().state() == CdcState.FAILED, Duration.ofSeconds(60)))
                    .isTrue();
            // a start creates the publication again, but the slot cannot decode the WAL from before it
            cdc.stop();
            cdc.start();
            assertThat(poll(
                            () -> cdc.status().state() == CdcState.FAILED
                                    && cdc.status().lastError() != null,
                            Duration.ofSeconds(60)))
                    .isTrue();
            assertThat(cdc.status().lastError())
                    .contains("publication cc_nopub was dropped")
                    .contains("POST /api/v1/cdc/reset");
            cdc.disable();
        }
    }

    @Test
    void anOutOfMemoryErrorOnTheCdcThreadFailsTheStreamNamingTheFixAndLosesNothing() throws Exception {
        postgres.execute("CREATE TABLE cc_oom (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_oom SELECT g, 'row ' || g FROM generate_series(1, 10) g");
        List<String> tables = List.of("public.cc_oom");
        java.util.concurrent.atomic.AtomicBoolean outOfMemory = new java.util.concurrent.atomic.AtomicBoolean();
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_oom", tables), point -> {
            // as when holding a very large transaction exhausts the heap, on the CDC thread itself
            if (point == ChangeCapture.CrashPoint.RECEIVED && outOfMemory.compareAndSet(true, false)) {
                throw new OutOfMemoryError("Java heap space");
            }
        })) {
            cdc.start();
            awaitEqual(tables);
            outOfMemory.set(true);
            postgres.execute("INSERT INTO cc_oom VALUES (11, 'received when the heap ran out')");

            assertThat(poll(() -> cdc.status().state() == CdcState.FAILED, Duration.ofSeconds(30)))
                    .as("state after the CDC thread ran out of memory (was: STREAMING, with nothing applied)")
                    .isTrue();
            assertThat(cdc.status().lastError())
                    .contains("heap ran out")
                    .contains("-Xmx")
                    .contains("split very large transactions");
            assertThat(cdc.isRunning()).isFalse();
            assertThat(TableComparison.differences(source, engine, "public.cc_oom", dir))
                    .as("the row that was being received is not in DuckDB")
                    .isNotEmpty();

            cdc.start(); // the slot was not advanced past it: a start streams it again
            awaitEqual(tables);
            assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
            cdc.disable();
        }
    }

    @Test
    void aPrimaryKeyDroppedWhileStreamingIsNotUsedToApplyLaterChanges() throws Exception {
        postgres.execute("CREATE TABLE cc_dropkey (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_dropkey VALUES (1, 'a'), (2, 'b')");
        List<String> tables = List.of("public.cc_dropkey");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_dropkey", tables))) {
            cdc.start();
            awaitEqual(tables);

            postgres.execute("ALTER TABLE cc_dropkey REPLICA IDENTITY FULL");
            postgres.execute("ALTER TABLE cc_dropkey DROP CONSTRAINT cc_dropkey_pkey");
            postgres.execute("INSERT INTO cc_dropkey VALUES (1, 'a2')"); // shares the old key value
            postgres.execute("UPDATE cc_dropkey SET v = 'a-upd' WHERE v = 'a'");
            postgres.execute("DELETE FROM cc_dropkey WHERE v = 'b'");
            awaitEqual(tables); // was: (1, 'a2') removed with the update of (1, 'a')

            postgres.execute("UPDATE cc_dropkey SET v = 'a2-upd' WHERE v = 'a2'");
            postgres.execute("INSERT INTO cc_dropkey VALUES (1, 'a3')");
            postgres.execute("DELETE FROM cc_dropkey WHERE v = 'a-upd'");
            awaitEqual(tables);
            assertThat(TableComparison.duckCount(engine, "public.cc_dropkey")).isEqualTo(2);
            assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
            cdc.disable();
        }
    }

    @Test
    void aTableThatWasOutOfThePublicationIsCopiedAgainWhenPutBack() throws Exception {
        postgres.execute("CREATE TABLE cc_recreated (id bigserial PRIMARY KEY, amt bigint)");
        postgres.execute("INSERT INTO cc_recreated (amt) SELECT g FROM generate_series(1, 100) g");
        postgres.execute("CREATE TABLE cc_unpublished (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO cc_unpublished VALUES (1, 'before')");
        List<String> tables = List.of("public.cc_recreated", "public.cc_unpublished");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_drift", tables))) {
            cdc.start();
            awaitEqual(tables);

            // an admin takes a table out of the publication while CDC streams, and changes it meanwhile
            postgres.execute("ALTER PUBLICATION cc_drift DROP TABLE cc_unpublished");
            postgres.execute("INSERT INTO cc_unpublished VALUES (2, 'while unpublished')");
            postgres.execute("UPDATE cc_unpublished SET v = 'changed while unpublished' WHERE id = 1");
            cdc.stop();
            // a migration drops a table and creates it again under its name while CDC is stopped
            postgres.execute("DROP TABLE cc_recreated");
            postgres.execute("CREATE TABLE cc_recreated (id bigserial PRIMARY KEY, amt bigint)");
            postgres.execute("INSERT INTO cc_recreated (amt) VALUES (42), (43)");

            cdc.start();
            postgres.execute("INSERT INTO cc_recreated (amt) VALUES (44)");
            postgres.execute("INSERT INTO cc_unpublished VALUES (3, 'after the start')");
            awaitEqual(tables); // was: the dropped table's 100 rows kept, 42 and 43 and the unpublished changes lost
            assertThat(TableComparison.duckCount(engine, "public.cc_recreated")).isEqualTo(3);
            assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
            cdc.disable();
        }
    }

    @Test
    void refusesTablesWithoutIdentityNamingTheFix() {
        postgres.execute("CREATE TABLE cc_bare (a int, b text)");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_bare", List.of("cc_bare")))) {
            assertThatThrownBy(cdc::start)
                    .isInstanceOf(DuckbridgeException.class)
                    .hasMessageContaining("public.cc_bare")
                    .hasMessageContaining("ALTER TABLE \"public\".\"cc_bare\" REPLICA IDENTITY FULL;")
                    .extracting(e -> ((DuckbridgeException) e).errorClass())
                    .isEqualTo(ErrorClass.INVALID_REQUEST);
            assertThat(cdc.status().state()).isEqualTo(CdcState.STOPPED);
        }
        // a table with a primary key but REPLICA IDENTITY NOTHING: DEFAULT (its key) is the fix
        postgres.execute("CREATE TABLE cc_nothing (id int PRIMARY KEY)");
        postgres.execute("ALTER TABLE cc_nothing REPLICA IDENTITY NOTHING");
        try (ChangeCapture cdc = new ChangeCapture(engine, source, settings("cc_nothing", List.of("cc_nothing")))) {
            assertThatThrownBy(cdc::start)
                    .hasMessageContaining("public.cc_nothing has REPLICA IDENTITY NOTHING; run: ALTER TABLE"
                            + " \"public\".\"cc_nothing\" REPLICA IDENTITY DEFAULT;")
                    .hasMessageNotContaining("no primary key");
        }
        assertThat(postgres.query("SELECT count(*) FROM pg_replication_slots")
                        .getFirst()
                        .getFirst())
                .isEqualTo(0L);
    }

    private String bigOf(long id) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT big FROM public.cc_items WHERE id = " + id)) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    private void awaitEqual(List<String> tables) throws Exception {
        awaitEqual(tables, io.duckbridge.core.schema.TypeMapping.defaults());
    }

    private void awaitEqual(List<String> tables, io.duckbridge.core.schema.TypeMapping types) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<String> diff = List.of("not compared");
        while (System.nanoTime() < deadline) {
            diff = new java.util.ArrayList<>();
            for (String t : tables) {
                try {
                    diff.addAll(TableComparison.differences(source, engine, t, dir, types));
                } catch (DuckbridgeException e) {
                    diff.add(t + ": " + e.getMessage());
                }
            }
            if (diff.isEmpty()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        assertThat(diff).as("rows that differ between PostgreSQL and DuckDB").isEmpty();
    }

    static boolean poll(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return condition.getAsBoolean();
    }
}
