package io.duckbridge.core.sync.cdc;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The column values of one row in a pgoutput message, in the order of the table's {@link
 * PgOutputMessage.Relation} columns. Thread-safe (immutable).
 */
public record TupleData(List<Value> values) {
    public TupleData {
        values = List.copyOf(values);
    }

    public int size() {
        return values.size();
    }

    public Value get(int column) {
        return values.get(column);
    }

    /** What a column holds: the four tuple data kinds of the protocol. */
    public enum Kind {
        /** 'n': SQL NULL. */
        NULL,
        /** 'u': an unchanged TOASTed value that was not sent; the previous value stays. */
        UNCHANGED_TOAST,
        /** 't': the value in PostgreSQL's text output format. */
        TEXT,
        /** 'b': the value in the type's binary send format. */
        BINARY
    }

    /**
     * One column value.
     *
     * @param bytes the text (UTF-8) or binary value; null for {@link Kind#NULL} and {@link Kind#UNCHANGED_TOAST}
     */
    public record Value(Kind kind, byte[] bytes) {
        public static final Value NULL = new Value(Kind.NULL, null);
        public static final Value UNCHANGED_TOAST = new Value(Kind.UNCHANGED_TOAST, null);

        public static Value text(String text) {
            return new Value(Kind.TEXT, text.getBytes(StandardCharsets.UTF_8));
        }

        /** The text of a {@link Kind#TEXT} value; null for NULL; the hex of a binary value. */
        public String text() {
            return switch (kind) {
                case NULL, UNCHANGED_TOAST -> null;
                case TEXT -> new String(bytes, StandardCharsets.UTF_8);
                case BINARY -> "\\x" + java.util.HexFormat.of().formatHex(bytes);
            };
        }

        public boolean isUnchangedToast() {
            return kind == Kind.UNCHANGED_TOAST;
        }

        @Override
        public String toString() {
            return kind == Kind.TEXT ? text() : kind.name();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Value v && v.kind == kind && java.util.Arrays.equals(v.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return kind.hashCode() * 31 + java.util.Arrays.hashCode(bytes);
        }
    }
}
