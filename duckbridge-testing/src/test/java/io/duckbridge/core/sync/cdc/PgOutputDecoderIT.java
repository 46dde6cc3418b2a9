package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.testing.TestingPostgres;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/** Messages captured from a real PostgreSQL 17 slot and decoded. */
@Timeout(120)
class PgOutputDecoderIT {
    private static TestingPostgres postgres;

    @BeforeAll
    static void start() {
        postgres = TestingPostgres.start();
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void decodesEveryMessageKindFromARealSlot() throws Exception {
        postgres.execute("CREATE TABLE dec_items (id bigint PRIMARY KEY, big text, note varchar(20), n int);"
                + "CREATE TABLE dec_full (a int, b text); ALTER TABLE dec_full REPLICA IDENTITY FULL;"
                + "CREATE PUBLICATION dec_pub FOR TABLE dec_items, dec_full");
        postgres.execute("SELECT pg_create_logical_replication_slot('dec_slot', 'pgoutput')");
        String bigValue = "x".repeat(200_000) + "END"; // stored out of line (STORAGE EXTERNAL: not compressed)
        for (String sql : List.of(
                "ALTER TABLE dec_items ALTER COLUMN big SET STORAGE EXTERNAL",
                "INSERT INTO dec_items VALUES (1, '" + bigValue + "', 'a', NULL)",
                "UPDATE dec_items SET n = 5 WHERE id = 1",
                "UPDATE dec_items SET id = 2 WHERE id = 1",
                "DELETE FROM dec_items WHERE id = 2",
                "INSERT INTO dec_full VALUES (1, 'one')",
                "DELETE FROM dec_full",
                "TRUNCATE dec_items, dec_full",
                "SELECT pg_logical_emit_message(false, 'dec', 'hello')")) {
            postgres.execute(sql);
        }

        List<PgOutputMessage> messages = capture(24);

        var relation = messages.stream()
                .filter(m -> m instanceof PgOutputMessage.Relation r && r.name().equals("dec_items"))
                .map(m -> (PgOutputMessage.Relation) m)
                .findFirst()
                .orElseThrow();
        assertThat(relation.namespace()).isEqualTo("public");
        assertThat(relation.replicaIdentity()).isEqualTo('d');
        assertThat(relation.columns())
                .containsExactly(
                        new PgOutputMessage.RelationColumn(true, "id", 20, -1),
                        new PgOutputMessage.RelationColumn(false, "big", 25, -1),
                        new PgOutputMessage.RelationColumn(false, "note", 1043, 24),
                        new PgOutputMessage.RelationColumn(false, "n", 23, -1));

        List<PgOutputMessage.Insert> inserts = of(messages, PgOutputMessage.Insert.class);
        assertThat(inserts.getFirst().newTuple().get(1).text()).isEqualTo(bigValue);
        assertThat(inserts.getFirst().newTuple().get(3)).isEqualTo(TupleData.Value.NULL);

        List<PgOutputMessage.Update> updates = of(messages, PgOutputMessage.Update.class);
        assertThat(updates).hasSize(2);
        // the TOASTed value is not sent when unchanged
        assertThat(updates.get(0).oldTuple()).isNull();
        assertThat(updates.get(0).newTuple().get(1).isUnchangedToast()).isTrue();
        assertThat(updates.get(0).newTuple().get(3).text()).isEqualTo("5");
        // a key change sends the old key
        assertThat(updates.get(1).oldTupleKind()).isEqualTo('K');
        assertThat(updates.get(1).oldTuple().get(0).text()).isEqualTo("1");
        assertThat(updates.get(1).newTuple().get(0).text()).isEqualTo("2");
        assertThat(updates.get(1).newTuple().get(1).isUnchangedToast()).isTrue();

        List<PgOutputMessage.Delete> deletes = of(messages, PgOutputMessage.Delete.class);
        assertThat(deletes.get(0).oldTupleKind()).isEqualTo('K');
        assertThat(deletes.get(0).oldTuple().get(0).text()).isEqualTo("2");
        assertThat(deletes.get(1).oldTupleKind()).isEqualTo('O');
        assertThat(deletes.get(1).oldTuple().get(1).text()).isEqualTo("one");

        PgOutputMessage.Truncate truncate =
                of(messages, PgOutputMessage.Truncate.class).getFirst();
        assertThat(truncate.relationIds()).hasSize(2);

        PgOutputMessage.LogicalMessage message =
                of(messages, PgOutputMessage.LogicalMessage.class).getFirst();
        assertThat(message.transactional()).isFalse();
        assertThat(message.prefix()).isEqualTo("dec");
        assertThat(new String(message.content())).isEqualTo("hello");

        List<PgOutputMessage.Begin> begins = of(messages, PgOutputMessage.Begin.class);
        List<PgOutputMessage.Commit> commits = of(messages, PgOutputMessage.Commit.class);
        assertThat(begins).hasSameSizeAs(commits);
        for (int i = 0; i < begins.size(); i++) {
            assertThat(commits.get(i).commitLsn()).isEqualTo(begins.get(i).finalLsn());
            assertThat(commits.get(i).endLsn().isAfter(commits.get(i).commitLsn()))
                    .isTrue();
        }
        postgres.execute("SELECT pg_drop_replication_slot('dec_slot'); DROP PUBLICATION dec_pub");
    }

    private static <T> List<T> of(List<PgOutputMessage> messages, Class<T> type) {
        return messages.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static List<PgOutputMessage> capture(int atLeast) throws Exception {
        Properties props = ReplicationSetup.replicationProperties();
        props.setProperty("user", postgres.username());
        props.setProperty("password", postgres.password());
        List<PgOutputMessage> messages = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), props)) {
            PGReplicationStream stream = c.unwrap(PGConnection.class)
                    .getReplicationAPI()
                    .replicationStream()
                    .logical()
                    .withSlotName("dec_slot")
                    .withStartPosition(LogSequenceNumber.INVALID_LSN)
                    .withSlotOption("proto_version", "2")
                    .withSlotOption("publication_names", "dec_pub")
                    .withSlotOption("messages", "true")
                    .withAutomaticFlush(false)
                    .start();
            PgOutputDecoder decoder = new PgOutputDecoder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                ByteBuffer buffer = stream.readPending();
                if (buffer == null) {
                    if (messages.stream().anyMatch(m -> m instanceof PgOutputMessage.LogicalMessage)) {
                        break;
                    }
                    TimeUnit.MILLISECONDS.sleep(10);
                    continue;
                }
                messages.add(decoder.decode(buffer));
            }
            stream.close();
        }
        assertThat(messages.size()).isGreaterThanOrEqualTo(atLeast);
        return messages;
    }
}
