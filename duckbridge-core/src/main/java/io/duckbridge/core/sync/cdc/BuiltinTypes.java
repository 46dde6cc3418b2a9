package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.schema.PgType;
import java.util.Map;

/**
 * PostgreSQL's built-in types by OID (their OIDs are fixed in every installation), for a column whose
 * type has not been read from the catalog yet. Types that are not built in (enums, domains, composites,
 * extension types) are {@code unknown} here and must be resolved with {@link
 * io.duckbridge.core.schema.CatalogReader#type}. Thread-safe (immutable).
 */
final class BuiltinTypes {
    private BuiltinTypes() {}

    private static final Map<Integer, String> SCALARS = Map.ofEntries(
            Map.entry(16, "bool"),
            Map.entry(17, "bytea"),
            Map.entry(18, "char"),
            Map.entry(19, "name"),
            Map.entry(20, "int8"),
            Map.entry(21, "int2"),
            Map.entry(23, "int4"),
            Map.entry(25, "text"),
            Map.entry(114, "json"),
            Map.entry(700, "float4"),
            Map.entry(701, "float8"),
            Map.entry(790, "money"),
            Map.entry(1042, "bpchar"),
            Map.entry(1043, "varchar"),
            Map.entry(1082, "date"),
            Map.entry(1083, "time"),
            Map.entry(1114, "timestamp"),
            Map.entry(1184, "timestamptz"),
            Map.entry(1186, "interval"),
            Map.entry(1266, "timetz"),
            Map.entry(1560, "bit"),
            Map.entry(1562, "varbit"),
            Map.entry(1700, "numeric"),
            Map.entry(2950, "uuid"),
            Map.entry(3802, "jsonb"));

    /** Array type OID to its element type OID. */
    private static final Map<Integer, Integer> ARRAYS = Map.ofEntries(
            Map.entry(1000, 16),
            Map.entry(1001, 17),
            Map.entry(1005, 21),
            Map.entry(1007, 23),
            Map.entry(1016, 20),
            Map.entry(1009, 25),
            Map.entry(1014, 1042),
            Map.entry(1015, 1043),
            Map.entry(1021, 700),
            Map.entry(1022, 701),
            Map.entry(1231, 1700),
            Map.entry(1182, 1082),
            Map.entry(1183, 1083),
            Map.entry(1115, 1114),
            Map.entry(1185, 1184),
            Map.entry(1187, 1186),
            Map.entry(2951, 2950),
            Map.entry(199, 114),
            Map.entry(3807, 3802));

    static PgType of(int oid, int typmod) {
        Integer element = ARRAYS.get(oid);
        if (element != null) {
            PgType e = of(element, typmod);
            return new PgType.Array(e, 1, e.formatted() + "[]");
        }
        String name = SCALARS.getOrDefault(oid, "unknown");
        return new PgType.Scalar(name, typmod, name);
    }
}
