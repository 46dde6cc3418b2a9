package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses PostgreSQL's text output of arrays and composite values into their element texts.
 *
 * <p>Arrays (<a href="https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO">8.15.6 Array
 * Input and Output Syntax</a>): an optional dimension decoration {@code [1:3]=}, then {@code {...}}
 * with elements separated by commas, nested braces for each further dimension, elements double-quoted
 * when they contain special characters (backslash escapes inside quotes), unquoted {@code NULL} for null.
 *
 * <p>Composites (<a href="https://www.postgresql.org/docs/current/rowtypes.html#ROWTYPES-IO-SYNTAX">8.16.6
 * Composite Type Input and Output Syntax</a>): {@code (f1,f2,...)}, an empty unquoted field is null,
 * quoted fields use {@code ""} or backslash for a quote. Stateless.
 */
final class PgTextParser {
    private PgTextParser() {}

    /** A parsed array: nested {@code List}s of element texts ({@code String}, null for NULL). */
    static List<Object> parseArray(String text) {
        int start = 0;
        if (!text.isEmpty() && text.charAt(0) == '[') {
            int eq = text.indexOf('=');
            if (eq < 0) {
                throw bad("array", text);
            }
            start = eq + 1;
        }
        var cursor = new int[] {start};
        List<Object> result = parseArrayLevel(text, cursor);
        return result;
    }

    private static List<Object> parseArrayLevel(String s, int[] pos) {
        if (pos[0] >= s.length() || s.charAt(pos[0]) != '{') {
            throw bad("array", s);
        }
        pos[0]++;
        List<Object> items = new ArrayList<>();
        if (pos[0] < s.length() && s.charAt(pos[0]) == '}') {
            pos[0]++;
            return items;
        }
        while (true) {
            skipSpaces(s, pos);
            if (pos[0] >= s.length()) {
                throw bad("array", s);
            }
            char ch = s.charAt(pos[0]);
            if (ch == '{') {
                items.add(parseArrayLevel(s, pos));
            } else if (ch == '"') {
                items.add(readQuoted(s, pos, false));
            } else {
                int begin = pos[0];
                while (pos[0] < s.length() && s.charAt(pos[0]) != ',' && s.charAt(pos[0]) != '}') {
                    pos[0]++;
                }
                String raw = s.substring(begin, pos[0]).strip();
                items.add(raw.equalsIgnoreCase("NULL") ? null : unescapeUnquoted(raw));
            }
            skipSpaces(s, pos);
            if (pos[0] >= s.length()) {
                throw bad("array", s);
            }
            char sep = s.charAt(pos[0]++);
            if (sep == '}') {
                return items;
            }
            if (sep != ',') {
                throw bad("array", s);
            }
        }
    }

    /** A parsed composite: one text per field, null for NULL. */
    static List<String> parseComposite(String s) {
        if (s.length() < 2 || s.charAt(0) != '(' || s.charAt(s.length() - 1) != ')') {
            throw bad("composite", s);
        }
        List<String> fields = new ArrayList<>();
        int[] pos = {1};
        while (true) {
            if (pos[0] >= s.length()) {
                throw bad("composite", s);
            }
            char ch = s.charAt(pos[0]);
            if (ch == ',' || ch == ')') {
                fields.add(null);
            } else if (ch == '"') {
                StringBuilder value = new StringBuilder();
                // a field may consist of several quoted and unquoted pieces
                while (pos[0] < s.length() && s.charAt(pos[0]) != ',' && s.charAt(pos[0]) != ')') {
                    if (s.charAt(pos[0]) == '"') {
                        value.append(readQuoted(s, pos, true));
                    } else {
                        value.append(s.charAt(pos[0]++));
                    }
                }
                fields.add(value.toString());
            } else {
                StringBuilder value = new StringBuilder();
                while (pos[0] < s.length() && s.charAt(pos[0]) != ',' && s.charAt(pos[0]) != ')') {
                    char c = s.charAt(pos[0]++);
                    if (c == '\\' && pos[0] < s.length()) {
                        c = s.charAt(pos[0]++);
                    }
                    value.append(c);
                }
                fields.add(value.toString());
            }
            char sep = s.charAt(pos[0]++);
            if (sep == ')') {
                if (pos[0] != s.length()) {
                    throw bad("composite", s);
                }
                return fields;
            }
        }
    }

    private static String readQuoted(String s, int[] pos, boolean doubledQuotes) {
        pos[0]++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (pos[0] < s.length()) {
            char c = s.charAt(pos[0]++);
            if (c == '\\') {
                if (pos[0] >= s.length()) {
                    break;
                }
                sb.append(s.charAt(pos[0]++));
            } else if (c == '"') {
                if (doubledQuotes && pos[0] < s.length() && s.charAt(pos[0]) == '"') {
                    sb.append('"');
                    pos[0]++;
                } else {
                    return sb.toString();
                }
            } else {
                sb.append(c);
            }
        }
        throw bad("quoted value", s);
    }

    private static String unescapeUnquoted(String raw) {
        if (raw.indexOf('\\') < 0) {
            return raw;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length()) {
                c = raw.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static void skipSpaces(String s, int[] pos) {
        while (pos[0] < s.length() && Character.isWhitespace(s.charAt(pos[0]))) {
            pos[0]++;
        }
    }

    private static DuckbridgeException bad(String what, String text) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return new DuckbridgeException(ErrorClass.CONVERSION, "not a PostgreSQL " + what + " value: " + shown);
    }
}
