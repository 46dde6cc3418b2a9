package io.duckbridge.core.sync.cdc;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One decoded message of PostgreSQL's logical replication protocol as the {@code pgoutput} plugin sends
 * it. Field names follow
 * <a href="https://www.postgresql.org/docs/17/protocol-logicalrep-message-formats.html">Logical Replication
 * Message Formats</a>. Messages sent inside a streamed transaction (protocol version 2) carry the
 * transaction id in {@code xid}; outside one it is 0. Thread-safe (immutable values).
 */
public sealed interface PgOutputMessage {

    /** 'B': a transaction starts; its commit record will be at {@code finalLsn}. */
    record Begin(Lsn finalLsn, Instant commitTime, int xid) implements PgOutputMessage {}

    /** 'C': the transaction ends; {@code endLsn} is the position after its commit record. */
    record Commit(int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime) implements PgOutputMessage {}

    /** 'O': the transaction came from another node through replication origin {@code name}. */
    record Origin(Lsn originCommitLsn, String name) implements PgOutputMessage {}

    /**
     * 'R': the shape of a published table, sent before the first change to it in a session and again
     * after its definition changed.
     *
     * @param replicaIdentity 'd' default (primary key), 'n' nothing, 'f' full, 'i' index
     */
    record Relation(
            int xid, int relationId, String namespace, String name, char replicaIdentity, List<RelationColumn> columns)
            implements PgOutputMessage {
        public Relation {
            columns = List.copyOf(columns);
        }

        /** The qualified name as PostgreSQL writes it, unquoted: {@code schema.table}. */
        public String qualifiedName() {
            return namespace + "." + name;
        }
    }

    /**
     * One column of a {@link Relation}.
     *
     * @param key whether the column is part of the replica identity (flag bit 1)
     * @param typeModifier the {@code atttypmod}, -1 when the type has none
     */
    record RelationColumn(boolean key, String name, int typeOid, int typeModifier) {
        public RelationColumn {
            Objects.requireNonNull(name, "name");
        }
    }

    /** 'Y': a data type the following Relation uses that is not built in. */
    record Type(int xid, int typeOid, String namespace, String name) implements PgOutputMessage {}

    /** 'I': a row was inserted. */
    record Insert(int xid, int relationId, TupleData newTuple) implements PgOutputMessage {}

    /**
     * 'U': a row was updated.
     *
     * @param oldTupleKind 'K' when {@code oldTuple} holds only the replica identity key (the key changed),
     *     'O' when it holds the whole old row (REPLICA IDENTITY FULL), 0 when there is no old tuple
     * @param oldTuple the old key or row, or null
     */
    record Update(int xid, int relationId, char oldTupleKind, TupleData oldTuple, TupleData newTuple)
            implements PgOutputMessage {}

    /**
     * 'D': a row was deleted.
     *
     * @param oldTupleKind 'K' (key columns only) or 'O' (the whole row)
     */
    record Delete(int xid, int relationId, char oldTupleKind, TupleData oldTuple) implements PgOutputMessage {}

    /**
     * 'T': tables were truncated.
     *
     * @param options bit 1 CASCADE, bit 2 RESTART IDENTITY
     */
    record Truncate(int xid, int options, List<Integer> relationIds) implements PgOutputMessage {
        public Truncate {
            relationIds = List.copyOf(relationIds);
        }
    }

    /**
     * 'M': a message written with {@code pg_logical_emit_message}.
     *
     * @param transactional whether it belongs to a transaction (flag bit 1); otherwise it stands alone
     */
    record LogicalMessage(int xid, boolean transactional, Lsn lsn, String prefix, byte[] content)
            implements PgOutputMessage {}

    /** 'S': the start of a block of a streamed, still running transaction (protocol version 2). */
    record StreamStart(int xid, boolean firstSegment) implements PgOutputMessage {}

    /** 'E': the end of a block of a streamed transaction. */
    record StreamStop() implements PgOutputMessage {}

    /** 'c': a streamed transaction committed. */
    record StreamCommit(int xid, int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime) implements PgOutputMessage {}

    /** 'A': a streamed (sub)transaction aborted; when {@code subXid == xid} the whole transaction did. */
    record StreamAbort(int xid, int subXid) implements PgOutputMessage {}
}
