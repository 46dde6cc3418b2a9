package io.duckbridge.core.sync.cdc;

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
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the messages of the {@code pgoutput} plugin, protocol versions 1 and 2, one small handler per
 * message type; each field is named as it is read, in the order of
 * <a href="https://www.postgresql.org/docs/17/protocol-logicalrep-message-formats.html">PostgreSQL 17,
 * 55.9. Logical Replication Message Formats</a>.
 *
 * <p>The decoder remembers whether it is inside a streamed-transaction block (between Stream Start and
 * Stream Stop), because only there do Relation, Type, Insert, Update, Delete, Truncate and Message carry a
 * transaction id. Two-phase messages (protocol version 3) are not requested and are rejected.
 *
 * <p>Not thread-safe: confined to the thread reading one replication stream.
 */
public final class PgOutputDecoder {
    /** PostgreSQL timestamps count microseconds from 2000-01-01 00:00:00 UTC. */
    private static final Instant POSTGRES_EPOCH = Instant.parse("2000-01-01T00:00:00Z");

    private boolean insideStreamBlock;

    /**
     * Decodes one message; reads {@code buffer} from its position to its limit.
     *
     * @throws DuckbridgeException INTERNAL when the bytes are not a well-formed pgoutput message
     */
    public PgOutputMessage decode(ByteBuffer buffer) {
        ByteBuffer in = buffer.slice();
        char type = '?';
        try {
            type = (char) in.get(); // Byte1: the message type
            PgOutputMessage message = switch (type) {
                case 'B' -> begin(in);
                case 'C' -> commit(in);
                case 'O' -> origin(in);
                case 'R' -> relation(in);
                case 'Y' -> type(in);
                case 'I' -> insert(in);
                case 'U' -> update(in);
                case 'D' -> delete(in);
                case 'T' -> truncate(in);
                case 'M' -> message(in);
                case 'S' -> streamStart(in);
                case 'E' -> streamStop();
                case 'c' -> streamCommit(in);
                case 'A' -> streamAbort(in);
                default -> throw malformed(type, "unknown or unrequested message type");
            };
            if (in.hasRemaining()) {
                throw malformed(type, in.remaining() + " bytes left over");
            }
            return message;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw malformed(type, "message ends early or has a bad length (" + e + ")");
        }
    }

    private static Begin begin(ByteBuffer in) {
        Lsn finalLsn = lsn(in); // Int64: the final LSN of the transaction
        Instant commitTime = timestamp(in); // Int64: commit timestamp
        int xid = in.getInt(); // Int32: xid of the transaction
        return new Begin(finalLsn, commitTime, xid);
    }

    private static Commit commit(ByteBuffer in) {
        int flags = in.get(); // Int8: flags, currently unused
        Lsn commitLsn = lsn(in); // Int64: the LSN of the commit
        Lsn endLsn = lsn(in); // Int64: the end LSN of the transaction
        Instant commitTime = timestamp(in); // Int64: commit timestamp
        return new Commit(flags, commitLsn, endLsn, commitTime);
    }

    private static Origin origin(ByteBuffer in) {
        Lsn originCommitLsn = lsn(in); // Int64: the LSN of the commit on the origin server
        String name = string(in); // String: name of the origin
        return new Origin(originCommitLsn, name);
    }

    private Relation relation(ByteBuffer in) {
        int xid = streamedXid(in); // Int32: xid, only inside a streamed transaction
        int relationId = in.getInt(); // Int32 (Oid): OID of the relation
        String namespace = string(in); // String: namespace ("" for pg_catalog)
        String name = string(in); // String: relation name
        char replicaIdentity = (char) in.get(); // Int8: replica identity setting (relreplident)
        int columnCount = Short.toUnsignedInt(in.getShort()); // Int16: number of columns
        List<RelationColumn> columns = new ArrayList<>(columnCount);
        for (int i = 0; i < columnCount; i++) {
            int flags = in.get(); // Int8: flags; 1 marks the column as part of the key
            String columnName = string(in); // String: name of the column
            int typeOid = in.getInt(); // Int32 (Oid): the column's data type
            int typeModifier = in.getInt(); // Int32: type modifier (atttypmod)
            columns.add(new RelationColumn((flags & 1) != 0, columnName, typeOid, typeModifier));
        }
        return new Relation(xid, relationId, namespace, name, replicaIdentity, columns);
    }

    private Type type(ByteBuffer in) {
        int xid = streamedXid(in); // Int32: xid, only inside a streamed transaction
        int typeOid = in.getInt(); // Int32 (Oid): OID of the data type
        String namespace = string(in); // String: namespace ("" for pg_catalog)
        String name = string(in); // String: name of the data type
        return new Type(xid, typeOid, namespace, name);
    }

    private Insert insert(ByteBuffer in) {
        int xid = streamedXid(in); // Int32: xid, only inside a streamed transaction
        int relationId = in.getInt(); // Int32 (Oid): OID of the relation
        expect(in, 'N', 'I'); // Byte1('N'): a new tuple follows
        TupleData newTuple = tuple(in); // TupleData: the new row
        return new Insert(xid, relationId, newTuple);
    }

    private PgOutputMessage.Update update(ByteBuffer in) {
        int xid = streamedXid(in); // Int32: xid, only inside a streamed transaction
        int relationId = in.getInt(); // Int32 (Oid): OID of the relation
        char marker = (char) in.get(); // Byte1: 'K' old key, 'O' old row, or 'N' new row
        char oldTupleKind = 0;
        TupleData oldTuple = null;
        if (marker == 'K' || marker == 'O') {
            oldTupleKind = marker;
            oldTuple = tuple(in); // TupleData: the old key or old row
            marker = (char) in.get(); // Byte1('N'): the new tuple follows
        }
        if (marker != 'N') {
            throw malformed('U', "expected 'N' before the new tuple, got '" + marker + "'");
        }
        TupleData newTuple = tuple(in); // TupleData: the new row
        return new PgOutputMessage.Update(xid, relationId, oldTupleKind, oldTuple, newTuple);
    }

    private Delete delete(ByteBuffer in) {
        int xid = streamedXid(in); // Int32: xid, only inside a streamed transaction
        int relationId = in.getInt(); // Int32 (Oid): OID of the relation
        char oldTupleKind = (char) in.get(); // Byte1: 'K' old key or 'O' old row
        if (oldTupleKind != 'K' && oldTupleKind != 'O') {
            throw malformed('D', "expected 'K' or 'O', got '" + oldTupleKind + "'");
        }
        TupleData oldTuple = tuple(in); // TupleData: the old key or row
        return new Delete(xid, relationId, oldTupleKind, oldTuple);
    }

    private Truncate truncate(ByteBuffer in) {
        int xid = streamedXid(in); // Int32: xid, only inside a streamed transaction
        int relationCount = in.getInt(); // Int32: number of relations
        int options = in.get(); // Int8: 1 CASCADE, 2 RESTART IDENTITY
        List<Integer> relationIds = new ArrayList<>(relationCount);
        for (int i = 0; i < relationCount; i++) {
            relationIds.add(in.getInt()); // Int32 (Oid): OID of each relation
        }
        return new Truncate(xid, options, relationIds);
    }

    private LogicalMessage message(ByteBuffer in) {
        int xid = streamedXid(in); // Int32: xid, only inside a streamed transaction
        int flags = in.get(); // Int8: 1 when the message is transactional
        Lsn lsn = lsn(in); // Int64: the LSN of the message
        String prefix = string(in); // String: the prefix
        int length = in.getInt(); // Int32: length of the content
        byte[] content = new byte[length];
        in.get(content); // Byte(n): the content
        return new LogicalMessage(xid, (flags & 1) != 0, lsn, prefix, content);
    }

    private StreamStart streamStart(ByteBuffer in) {
        int xid = in.getInt(); // Int32: xid of the transaction
        int firstSegment = in.get(); // Int8: 1 for the first stream segment of this xid
        insideStreamBlock = true;
        return new StreamStart(xid, firstSegment == 1);
    }

    private StreamStop streamStop() {
        insideStreamBlock = false;
        return new StreamStop();
    }

    private static StreamCommit streamCommit(ByteBuffer in) {
        int xid = in.getInt(); // Int32: xid of the transaction
        int flags = in.get(); // Int8: flags, currently unused
        Lsn commitLsn = lsn(in); // Int64: the LSN of the commit
        Lsn endLsn = lsn(in); // Int64: the end LSN of the transaction
        Instant commitTime = timestamp(in); // Int64: commit timestamp
        return new StreamCommit(xid, flags, commitLsn, endLsn, commitTime);
    }

    private static StreamAbort streamAbort(ByteBuffer in) {
        int xid = in.getInt(); // Int32: xid of the transaction
        int subXid = in.getInt(); // Int32: xid of the subtransaction (same as xid for the top level)
        // protocol version 4 adds abort LSN and time for parallel apply; not requested, skip if present
        if (in.remaining() == 16) {
            in.getLong(); // Int64: the LSN of the abort
            in.getLong(); // Int64: abort timestamp
        }
        return new StreamAbort(xid, subXid);
    }

    // ---- TupleData -----------------------------------------------------------------------------

    private static TupleData tuple(ByteBuffer in) {
        int columnCount = Short.toUnsignedInt(in.getShort()); // Int16: number of columns
        List<TupleData.Value> values = new ArrayList<>(columnCount);
        for (int i = 0; i < columnCount; i++) {
            char kind = (char) in.get(); // Byte1: 'n' null, 'u' unchanged TOAST, 't' text, 'b' binary
            values.add(
                    switch (kind) {
                        case 'n' -> TupleData.Value.NULL;
                        case 'u' -> TupleData.Value.UNCHANGED_TOAST;
                        case 't' -> new TupleData.Value(TupleData.Kind.TEXT, bytes(in));
                        case 'b' -> new TupleData.Value(TupleData.Kind.BINARY, bytes(in));
                        default -> throw malformed('?', "unknown tuple data kind '" + kind + "' in column " + i);
                    });
        }
        return new TupleData(values);
    }

    private static byte[] bytes(ByteBuffer in) {
        int length = in.getInt(); // Int32: length of the column value
        byte[] value = new byte[length];
        in.get(value); // Byte(n): the value
        return value;
    }

    // ---- primitives ----------------------------------------------------------------------------

    private int streamedXid(ByteBuffer in) {
        return insideStreamBlock ? in.getInt() : 0;
    }

    private static Lsn lsn(ByteBuffer in) {
        return new Lsn(in.getLong());
    }

    private static Instant timestamp(ByteBuffer in) {
        return POSTGRES_EPOCH.plus(Duration.ofNanos(Math.multiplyExact(in.getLong(), 1000L)));
    }

    /** A String: NUL-terminated, in the server's encoding (UTF-8 for Duckbridge's connections). */
    private static String string(ByteBuffer in) {
        int start = in.position();
        int end = start;
        while (in.get(end) != 0) {
            end++;
        }
        byte[] text = new byte[end - start];
        in.get(text);
        in.get(); // the terminating NUL
        return new String(text, StandardCharsets.UTF_8);
    }

    private static void expect(ByteBuffer in, char expected, char messageType) {
        char got = (char) in.get();
        if (got != expected) {
            throw malformed(messageType, "expected '" + expected + "', got '" + got + "'");
        }
    }

    private static DuckbridgeException malformed(char type, String detail) {
        return new DuckbridgeException(
                ErrorClass.INTERNAL, "malformed pgoutput message of type '" + type + "': " + detail);
    }
}
