package io.duckbridge.core.query;

import java.util.function.UnaryOperator;

/**
 * DuckDB's text of a type as {@code DESCRIBE} prints it ({@code STRUCT(a INTEGER, "Mixed Case" TIME WITH TIME
 * ZONE)[]}, {@code MAP(VARCHAR, ENUM('a', 'it''s'))}), read token by token so that a struct field's name or an
 * ENUM's label is never taken for a type: both are quoted when they are anything but lower-case letters,
 * digits and underscores, and type names are printed in upper case. Stateless.
 */
public final class TypeText {
    private TypeText() {}

    /**
     * {@code type} with every type named in it replaced by {@code replace}'s text for it (kept when that is
     * null). The names {@code replace} sees: each type's keyword as printed ({@code INTERVAL}, {@code BIT},
     * {@code HUGEINT}, {@code DECIMAL} without its precision, {@code LIST}'s elements as their own names),
     * {@code TIMETZ} for {@code TIME WITH TIME ZONE}, {@code TIMESTAMPTZ} for {@code TIMESTAMP WITH TIME ZONE}, and
     * {@code ENUM} for an ENUM with or without its labels. A replaced {@code DECIMAL(p,s)} or {@code ENUM(..)} loses
     * its parenthesis.
     */
    public static String map(String type, UnaryOperator<String> replace) {
        StringBuilder out = new StringBuilder(type.length());
        int n = type.length();
        int i = 0;
        while (i < n) {
            char c = type.charAt(i);
            if (c == '"' || c == '\'') {
                int end = quotedEnd(type, i);
                out.append(type, i, end);
                i = end;
            } else if (Character.isLetter(c) || c == '_') {
                int end = i;
                while (end < n && (Character.isLetterOrDigit(type.charAt(end)) || type.charAt(end) == '_')) {
                    end++;
                }
                String word = type.substring(i, end);
                String name = word;
                if (word.equals("TIME") && type.startsWith(" WITH TIME ZONE", end)) {
                    name = "TIMETZ";
                    end += " WITH TIME ZONE".length();
                } else if (word.equals("TIMESTAMP") && type.startsWith(" WITH TIME ZONE", end)) {
                    name = "TIMESTAMPTZ";
                    end += " WITH TIME ZONE".length();
                }
                int afterArguments = end;
                if ((word.equals("ENUM") || word.equals("DECIMAL")) && end < n && type.charAt(end) == '(') {
                    afterArguments = closingParenthesis(type, end) + 1;
                }
                String replaced = replace.apply(name);
                out.append(replaced != null ? replaced : type.substring(i, afterArguments));
                i = afterArguments;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Whether {@code type} names the type {@code name} anywhere (with {@link #map}'s names). */
    static boolean mentions(String type, String name) {
        boolean[] found = {false};
        map(type, t -> {
            found[0] |= t.equals(name);
            return null;
        });
        return found[0];
    }

    /** Whether {@code type} is a LIST, ARRAY, STRUCT, MAP or UNION: values holding other values. */
    static boolean nested(String type) {
        return type.endsWith("]") || type.startsWith("STRUCT(") || type.startsWith("MAP(") || type.startsWith("UNION(");
    }

    /** Whether {@code type} holds a quoted name or label, the only place text other than ASCII can appear. */
    static boolean quotes(String type) {
        return type.indexOf('"') >= 0 || type.indexOf('\'') >= 0;
    }

    /** Whether a double-quoted name in {@code type} (a STRUCT field's, a UNION member's) has a character beyond the BMP. */
    static boolean quotedNameBeyondBmp(String type) {
        int i = 0;
        while (i < type.length()) {
            char c = type.charAt(i);
            if (c == '"' || c == '\'') {
                int end = quotedEnd(type, i);
                if (c == '"' && type.substring(i, end).codePoints().anyMatch(Character::isSupplementaryCodePoint)) {
                    return true;
                }
                i = end;
            } else {
                i++;
            }
        }
        return false;
    }

    /** The index just past the quoted name or label that starts at {@code from} (doubled quotes inside). */
    private static int quotedEnd(String type, int from) {
        char quote = type.charAt(from);
        int i = from + 1;
        while (i < type.length()) {
            if (type.charAt(i) == quote) {
                if (i + 1 < type.length() && type.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return type.length();
    }

    /** The index of the parenthesis that closes the one at {@code open} (quoted text skipped). */
    private static int closingParenthesis(String type, int open) {
        int depth = 0;
        int i = open;
        while (i < type.length()) {
            char c = type.charAt(i);
            if (c == '"' || c == '\'') {
                i = quotedEnd(type, i);
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
            i++;
        }
        return type.length() - 1;
    }
}
