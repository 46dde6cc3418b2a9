package io.duckbridge.core.schema;

import java.util.List;

/**
 * A PostgreSQL type as read from the catalog, with domains already resolved to their base type.
 * Immutable.
 */
public sealed interface PgType {
    /** The type as PostgreSQL's {@code format_type} spells it, e.g. {@code numeric(12,2)}, {@code text[]}. */
    String formatted();

    /**
     * A base (or extension) type.
     *
     * @param name the type's {@code typname} (e.g. {@code int4}, {@code numeric}, {@code citext})
     * @param typmod the type modifier, -1 when there is none
     */
    record Scalar(String name, int typmod, String formatted) implements PgType {
        /** The declared precision of a {@code numeric(p,s)}, or -1 without typmod. */
        public int numericPrecision() {
            return typmod < 4 ? -1 : ((typmod - 4) >> 16) & 0xffff;
        }

        /** The declared scale of a {@code numeric(p,s)} (may be negative since PostgreSQL 15), 0 without typmod. */
        public int numericScale() {
            if (typmod < 4) {
                return 0;
            }
            int raw = (typmod - 4) & 0x7ff;
            return (raw & 0x400) != 0 ? raw - 0x800 : raw;
        }
    }

    /**
     * An array.
     *
     * @param dimensions the declared number of dimensions, at least 1
     */
    record Array(PgType element, int dimensions, String formatted) implements PgType {
        public Array {
            dimensions = Math.max(1, dimensions);
        }
    }

    /** An enum with its labels in sort order. */
    record Enum(String name, List<String> labels, String formatted) implements PgType {
        public Enum {
            labels = List.copyOf(labels);
        }
    }

    /** A composite (row) type with its fields in order. */
    record Composite(String name, List<Field> fields, String formatted) implements PgType {
        public Composite {
            fields = List.copyOf(fields);
        }
    }

    /** One field of a composite type. */
    record Field(String name, PgType type) {}
}
