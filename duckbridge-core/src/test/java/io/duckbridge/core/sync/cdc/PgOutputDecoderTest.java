package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Begin;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Commit;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Delete;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Insert;
import io.duckbridge.core.sync.cdc.PgOutputMessage.LogicalMessage;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Origin;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Relation;
import io.duckbridge.core.sync.cdc.PgOutputMessage.RelationColumn;
import io.duckbridge.core.sync.cdc.PgOutputMessage.StreamAbort;
import io.duckbridge.core.sync.cdc.PgOutputMessage.StreamCommit;
import io.duckbridge.core.sync.cdc.PgOutputMessage.StreamStart;
import io.duckbridge.core.sync.cdc.PgOutputMessage.StreamStop;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Truncate;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Type;
import io.duckbridge.core.sync.cdc.PgOutputMessage.Update;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pgoutput messages built byte by byte from the protocol documentation. */
class PgOutputDecoderTest {
    private static final long MICROS_2024 = 757_382_400_000_000L; // 2024-01-01T00:00:00Z after 2000-01-01
    private final PgOutputDecoder decoder = new PgOutputDecoder();

    @Test
    void decodesBegin() {
        var m = decode(bytes().b('B').i64(0x16_B374D848L).i64(MICROS_2024).i32(745));
        assertThat(m).isEqualTo(new Begin(Lsn.parse("16/B374D848"), Instant.parse("2024-01-01T00:00:00Z"), 745));
    }

    @Test
    void decodesCommit() {
        var m = decode(bytes().b('C').i8(0).i64(100).i64(180).i64(MICROS_2024 + 1));
        assertThat(m)
                .isEqualTo(new Commit(0, new Lsn(100), new Lsn(180), Instant.parse("2024-01-01T00:00:00.000001Z")));
    }

    @Test
    void decodesOrigin() {
        assertThat(decode(bytes().b('O').i64(77).str("node_a"))).isEqualTo(new Origin(new Lsn(77), "node_a"));
    }

    @Test
    void decodesRelationWithKeyFlags() {
        var m = (Relation) decode(bytes().b('R')
                .i32(16384)
                .str("public")
                .str("orders")
                .i8('d')
                .i16(2)
                .i8(1)
                .str("id")
                .i32(20)
                .i32(-1)
                .i8(0)
                .str("note")
                .i32(1043)
                .i32(44));
        assertThat(m.relationId()).isEqualTo(16384);
        assertThat(m.qualifiedName()).isEqualTo("public.orders");
        assertThat(m.replicaIdentity()).isEqualTo('d');
        assertThat(m.columns())
                .containsExactly(new RelationColumn(true, "id", 20, -1), new RelationColumn(false, "note", 1043, 44));
        assertThat(m.xid()).isZero();
    }

    @Test
    void decodesType() {
        assertThat(decode(bytes().b('Y').i32(90000).str("shop").str("mood")))
                .isEqualTo(new Type(0, 90000, "shop", "mood"));
    }

    @Test
    void decodesInsertWithEveryTupleKind() {
        var m = (Insert) decode(bytes().b('I')
                .i32(16384)
                .b('N')
                .i16(4)
                .b('t')
                .bytes("42")
                .b('n')
                .b('u')
                .b('b')
                .bytes(new byte[] {1, 2, 3}));
        assertThat(m.relationId()).isEqualTo(16384);
        var values = m.newTuple().values();
        assertThat(values.get(0).kind()).isEqualTo(TupleData.Kind.TEXT);
        assertThat(values.get(0).text()).isEqualTo("42");
        assertThat(values.get(1)).isEqualTo(TupleData.Value.NULL);
        assertThat(values.get(2).isUnchangedToast()).isTrue();
        assertThat(values.get(3).kind()).isEqualTo(TupleData.Kind.BINARY);
        assertThat(values.get(3).bytes()).containsExactly(1, 2, 3);
    }

    @Test
    void decodesUpdateWithoutOldTuple() {
        var m = (Update) decode(bytes().b('U').i32(1).b('N').i16(1).b('t').bytes("x"));
        assertThat(m.oldTupleKind()).isEqualTo((char) 0);
        assertThat(m.oldTuple()).isNull();
        assertThat(m.newTuple().get(0).text()).isEqualTo("x");
    }

    @Test
    void decodesUpdateWithOldKeyAndUnchangedToast() {
        var m = (Update) decode(bytes().b('U')
                .i32(1)
                .b('K')
                .i16(2)
                .b('t')
                .bytes("1")
                .b('n')
                .b('N')
                .i16(2)
                .b('t')
                .bytes("2")
                .b('u'));
        assertThat(m.oldTupleKind()).isEqualTo('K');
        assertThat(m.oldTuple().get(0).text()).isEqualTo("1");
        assertThat(m.newTuple().get(0).text()).isEqualTo("2");
        assertThat(m.newTuple().get(1)).isEqualTo(TupleData.Value.UNCHANGED_TOAST);
    }

    @Test
    void decodesDeleteWithOldRow() {
        var m = (Delete) decode(bytes().b('D').i32(5).b('O').i16(1).b('t').bytes("é"));
        assertThat(m.oldTupleKind()).isEqualTo('O');
        assertThat(m.oldTuple().get(0).text()).isEqualTo("é");
    }

    @Test
    void decodesTruncate() {
        var m = decode(bytes().b('T').i32(2).i8(3).i32(10).i32(11));
        assertThat(m).isEqualTo(new Truncate(0, 3, List.of(10, 11)));
    }

    @Test
    void decodesNonTransactionalMessage() {
        var m = (LogicalMessage)
                decode(bytes().b('M').i8(0).i64(999).str("duckbridge").i32(2).raw(new byte[] {'h', 'i'}));
        assertThat(m.transactional()).isFalse();
        assertThat(m.lsn()).isEqualTo(new Lsn(999));
        assertThat(m.prefix()).isEqualTo("duckbridge");
        assertThat(new String(m.content(), StandardCharsets.UTF_8)).isEqualTo("hi");
    }

    @Test
    void readsTransactionIdsOnlyInsideStreamBlocks() {
        assertThat(decode(bytes().b('S').i32(700).i8(1))).isEqualTo(new StreamStart(700, true));
        var insert = (Insert)
                decode(bytes().b('I').i32(700).i32(16384).b('N').i16(1).b('t').bytes("1"));
        assertThat(insert.xid()).isEqualTo(700);
        assertThat(insert.relationId()).isEqualTo(16384);
        var relation = (Relation)
                decode(bytes().b('R').i32(700).i32(9).str("s").str("t").i8('f').i16(0));
        assertThat(relation.xid()).isEqualTo(700);
        var truncate = (Truncate) decode(bytes().b('T').i32(700).i32(1).i8(0).i32(9));
        assertThat(truncate).isEqualTo(new Truncate(700, 0, List.of(9)));
        assertThat(decode(bytes().b('E'))).isEqualTo(new StreamStop());
        var after = (Insert) decode(bytes().b('I').i32(16384).b('N').i16(0));
        assertThat(after.xid()).isZero();
        assertThat(decode(bytes().b('c').i32(700).i8(0).i64(10).i64(20).i64(0)))
                .isEqualTo(new StreamCommit(700, 0, new Lsn(10), new Lsn(20), Instant.parse("2000-01-01T00:00:00Z")));
        assertThat(decode(bytes().b('A').i32(700).i32(701))).isEqualTo(new StreamAbort(700, 701));
    }

    @Test
    void rejectsTruncatedAndUnknownMessages() {
        assertThatThrownBy(() -> decode(bytes().b('B').i64(1)))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("'B'")
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.INTERNAL);
        assertThatThrownBy(() -> decode(bytes().b('Z'))).hasMessageContaining("unknown");
        assertThatThrownBy(() -> decode(bytes().b('I').i32(1).b('N').i16(1).b('x')))
                .hasMessageContaining("tuple data kind 'x'");
        assertThatThrownBy(
                        () -> decode(bytes().b('C').i8(0).i64(1).i64(2).i64(3).i8(9)))
                .hasMessageContaining("left over");
    }

    @Test
    void formatsAndParsesLsns() {
        assertThat(Lsn.parse("16/B374D848").value()).isEqualTo(0x16B374D848L);
        assertThat(new Lsn(0x16B374D848L)).hasToString("16/B374D848");
        assertThat(Lsn.parse("FFFFFFFF/0").isAfter(Lsn.parse("1/0"))).isTrue();
        assertThat(Lsn.parse("0/20").bytesAfter(Lsn.parse("0/10"))).isEqualTo(16);
        assertThatThrownBy(() -> Lsn.parse("nope")).isInstanceOf(DuckbridgeException.class);
    }

    private PgOutputMessage decode(Bytes b) {
        return decoder.decode(ByteBuffer.wrap(b.toByteArray()));
    }

    private static Bytes bytes() {
        return new Bytes();
    }

    /** A message written field by field, big-endian as on the wire. */
    static final class Bytes {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(buffer);

        Bytes b(char c) {
            return i8(c);
        }

        Bytes i8(int v) {
            return io(() -> out.writeByte(v));
        }

        Bytes i16(int v) {
            return io(() -> out.writeShort(v));
        }

        Bytes i32(int v) {
            return io(() -> out.writeInt(v));
        }

        Bytes i64(long v) {
            return io(() -> out.writeLong(v));
        }

        Bytes str(String s) {
            return raw(s.getBytes(StandardCharsets.UTF_8)).i8(0);
        }

        Bytes bytes(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Bytes bytes(byte[] v) {
            return i32(v.length).raw(v);
        }

        Bytes raw(byte[] v) {
            return io(() -> out.write(v));
        }

        byte[] toByteArray() {
            return buffer.toByteArray();
        }

        private Bytes io(IoAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        interface IoAction {
            void run() throws IOException;
        }
    }
}
