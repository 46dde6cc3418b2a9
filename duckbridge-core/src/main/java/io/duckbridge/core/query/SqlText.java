package io.duckbridge.core.query;

/** Reading SQL text as DuckDB's lexer does, where a query's text is wrapped in more SQL. Stateless. */
final class SqlText {
    private SqlText() {}

    /**
     * {@code sql} without its final semicolons and what follows them: the text a wrapper such as
     * {@code SELECT * FROM (\n...\n)} may enclose. A semicolon inside a string, a quoted name or a comment
     * is text, not the end; a comment after the last semicolon ({@code SELECT 1; -- note}) goes with it.
     */
    static String withoutTrailingSemicolons(String sql) {
        String s = sql;
        while (true) {
            int last = lastCodeChar(s);
            if (last < 0 || s.charAt(last) != ';') {
                return s.stripTrailing();
            }
            s = s.substring(0, last);
        }
    }

    /** The index of the last character that is not white space or inside a comment; -1 when there is none. */
    static int lastCodeChar(String s) {
        int last = -1;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
                int end = s.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int depth = 1;
                i += 2;
                while (i < n && depth > 0) {
                    if (s.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (s.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                    } else {
                        i++;
                    }
                }
            } else if (c == '\'' || c == '"') {
                int end = closingQuote(s, i, c);
                last = Math.min(end, n - 1);
                i = end + 1;
            } else if (c == '$' && dollarTag(s, i) != null) {
                String tag = dollarTag(s, i);
                int end = s.indexOf(tag, i + tag.length());
                last = end < 0 ? n - 1 : end + tag.length() - 1;
                i = end < 0 ? n : end + tag.length();
            } else {
                if (!Character.isWhitespace(c)) {
                    last = i;
                }
                i++;
            }
        }
        return last;
    }

    /** The index of the quote that closes the one at {@code start} (a doubled quote is text), or the end. */
    private static int closingQuote(String s, int start, char quote) {
        int i = start + 1;
        while (i < s.length()) {
            if (s.charAt(i) == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i;
            }
            i++;
        }
        return s.length();
    }

    /** The {@code $tag$} opening a dollar-quoted string at {@code start}, or null ({@code $1}, {@code $name}). */
    private static String dollarTag(String s, int start) {
        int i = start + 1;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        if (i < s.length() && s.charAt(i) == '$' && (i == start + 1 || !Character.isDigit(s.charAt(start + 1)))) {
            return s.substring(start, i + 1);
        }
        return null;
    }
}
