package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.TableName;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Validates and quotes identifiers for SQL text. Stateless, thread-safe. */
final class SqlNames {
    private static final Pattern ORDER =
            Pattern.compile("^(.+?)(?:\\s+(asc|desc))?(?:\\s+nulls\\s+(first|last))?$", Pattern.CASE_INSENSITIVE);

    private SqlNames() {}

    /** Quotes one identifier, doubling quotes; rejects empty names and control characters. */
    static String quote(String field, String name) {
        if (name == null
                || name.isBlank()
                || name.length() > 255
                || name.chars().anyMatch(c -> c < 0x20)) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, field + " \"" + name + "\" is not a valid column or table name");
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /**
     * {@code schema.table} or {@code table}, read as everywhere in the API ({@link TableName#parts}: a part with
     * a dot is double-quoted): each part quoted.
     */
    static String qualified(String field, String name) {
        if (name == null) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, field + " is missing");
        }
        List<String> parts = TableName.parts(name);
        return parts.size() == 1
                ? quote(field, parts.get(0))
                : quote(field, parts.get(0)) + "." + quote(field, parts.get(1));
    }

    /** {@code col}, {@code col desc}, {@code col asc nulls last}: the column quoted, the rest checked. */
    static String orderTerm(String term) {
        Matcher m = ORDER.matcher(term == null ? "" : term.strip());
        if (!m.matches()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "orderBy entry \"" + term + "\" is not \"column [asc|desc]\"");
        }
        StringBuilder sql = new StringBuilder(quote("orderBy", m.group(1).strip()));
        if (m.group(2) != null) {
            sql.append(' ').append(m.group(2).toUpperCase(Locale.ROOT));
        }
        if (m.group(3) != null) {
            sql.append(" NULLS ").append(m.group(3).toUpperCase(Locale.ROOT));
        }
        return sql.toString();
    }

    /** The column an {@link #orderTerm} sorts by, unquoted. */
    static String orderColumn(String term) {
        Matcher m = ORDER.matcher(term == null ? "" : term.strip());
        return m.matches() ? m.group(1).strip() : term;
    }

    /** A string literal with quotes doubled, for paths DuckDB only accepts as literals. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
