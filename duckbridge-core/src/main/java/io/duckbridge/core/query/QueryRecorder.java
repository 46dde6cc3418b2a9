package io.duckbridge.core.query;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the metrics of every query: running totals since start, and the latest {@code window} records
 * for percentiles and the recent list. Listeners (such as a Micrometer binder) see each record as it is
 * added. Each record is also logged, with its query id and the text without literals: failures and queries
 * slower than {@link #SLOW_QUERY} at INFO, the rest at DEBUG. Thread-safe.
 */
public final class QueryRecorder {
    /** Queries at least this slow are logged at INFO. */
    public static final Duration SLOW_QUERY = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(QueryRecorder.class);
    private static final int NORMALIZED_MAX_OUTPUT = 2000;

    private final int window;
    private final Deque<QueryRecord> recent = new ArrayDeque<>();
    private final List<Consumer<QueryRecord>> listeners = new CopyOnWriteArrayList<>();
    private long total;
    private long successful;
    private long totalRows;

    /** @param window how many latest records to keep (at least 1) */
    public QueryRecorder(int window) {
        this.window = Math.max(1, window);
    }

    public QueryRecorder() {
        this(10_000);
    }

    /** Normalized texts of recent short queries: five regular expressions cost more than a small query's JSON. */
    private static final Map<String, String> NORMALIZED = new ConcurrentHashMap<>();

    private static final int NORMALIZED_ENTRIES = 1024;
    private static final int NORMALIZED_MAX_LENGTH = 1024;

    /** {@code sql} without literals and comments, whitespace collapsed, at most 2,000 characters. */
    public static String normalize(String sql) {
        if (sql == null) {
            return "";
        }
        if (sql.length() > NORMALIZED_MAX_LENGTH) {
            return normalizeNow(sql);
        }
        String known = NORMALIZED.get(sql);
        if (known != null) {
            return known;
        }
        String normalized = normalizeNow(sql);
        if (NORMALIZED.size() >= NORMALIZED_ENTRIES) {
            NORMALIZED.clear(); // a bounded memo, not an LRU: texts that repeat come back at once
        }
        NORMALIZED.put(sql, normalized);
        return normalized;
    }

    /**
     * One pass over the text as DuckDB's lexer reads it: string constants ({@code '...'} with {@code ''},
     * {@code E'...'} with backslash escapes, {@code X'..'}/{@code B'..'}, dollar-quoted {@code $tag$...$tag$}) and
     * numbers become {@code ?}; comments (nested block comments too) and whitespace runs become one space;
     * quoted identifiers ({@code "a'b"}), identifiers and parameters ({@code $1}, {@code $name}, {@code ?}) are
     * kept. An unterminated constant hides the rest of the text.
     */
    static String normalizeNow(String sql) {
        StringBuilder out = new StringBuilder(Math.min(sql.length(), NORMALIZED_MAX_OUTPUT + 16));
        int n = sql.length();
        int i = 0;
        while (i < n && out.length() <= NORMALIZED_MAX_OUTPUT) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i = space(out, sql, i + 1);
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int eol = sql.indexOf('\n', i);
                i = space(out, sql, eol < 0 ? n : eol);
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = space(out, sql, endOfBlockComment(sql, i));
            } else if (c == '\'') {
                out.append('?');
                i = endOfString(sql, i + 1, false);
            } else if ((c == 'E' || c == 'e') && i + 1 < n && sql.charAt(i + 1) == '\'') {
                out.append('?');
                i = endOfString(sql, i + 2, true);
            } else if ("XxBbNn".indexOf(c) >= 0 && i + 1 < n && sql.charAt(i + 1) == '\'') {
                out.append('?');
                i = endOfString(sql, i + 2, false);
            } else if (c == '"') {
                int end = endOfQuotedIdentifier(sql, i + 1);
                out.append(sql, i, end);
                i = end;
            } else if (c == '$') {
                int tagEnd = dollarTagEnd(sql, i);
                if (tagEnd > 0) {
                    String tag = sql.substring(i, tagEnd);
                    int close = sql.indexOf(tag, tagEnd);
                    out.append('?');
                    i = close < 0 ? n : close + tag.length();
                } else {
                    int end = endOfIdentifier(sql, i + 1);
                    out.append(sql, i, end); // a parameter: $1, $name
                    i = end;
                }
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(sql.charAt(i + 1)))) {
                out.append('?');
                i = endOfNumber(sql, i);
            } else if (isIdentifierStart(c)) {
                int end = endOfIdentifier(sql, i + 1);
                out.append(sql, i, end);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        String s = out.toString().strip();
        return s.length() > NORMALIZED_MAX_OUTPUT ? s.substring(0, NORMALIZED_MAX_OUTPUT) : s;
    }

    /** Appends one space (none twice in a row) and returns {@code next}, skipping the whitespace after it. */
    private static int space(StringBuilder out, String sql, int next) {
        if (!out.isEmpty() && out.charAt(out.length() - 1) != ' ') {
            out.append(' ');
        }
        int i = next;
        while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int endOfBlockComment(String sql, int start) {
        int depth = 0;
        int i = start;
        while (i + 1 < sql.length()) {
            if (sql.charAt(i) == '/' && sql.charAt(i + 1) == '*') {
                depth++;
                i += 2;
            } else if (sql.charAt(i) == '*' && sql.charAt(i + 1) == '/') {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return sql.length();
    }

    /** The index after the closing quote of a string whose content starts at {@code i}. */
    private static int endOfString(String sql, int i, boolean backslashEscapes) {
        return endOfQuoted(sql, i, '\'', backslashEscapes);
    }

    private static int endOfQuotedIdentifier(String sql, int i) {
        return endOfQuoted(sql, i, '"', false);
    }

    /** The index after the {@code quote} closing text that starts at {@code i} (a doubled quote is one inside). */
    private static int endOfQuoted(String sql, int i, char quote, boolean backslashEscapes) {
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    /** The end of a dollar-quote opening tag ({@code $$} or {@code $tag$}) at {@code i}, or -1 for a parameter. */
    private static int dollarTagEnd(String sql, int i) {
        int n = sql.length();
        int j = i + 1;
        if (j < n && sql.charAt(j) == '$') {
            return j + 1;
        }
        if (j >= n || !(Character.isLetter(sql.charAt(j)) || sql.charAt(j) == '_')) {
            return -1;
        }
        while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
            j++;
        }
        return j < n && sql.charAt(j) == '$' ? j + 1 : -1;
    }

    private static int endOfNumber(String sql, int i) {
        int n = sql.length();
        if (sql.charAt(i) == '0' && i + 1 < n && "xXbBoO".indexOf(sql.charAt(i + 1)) >= 0) {
            i += 2;
            while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                i++;
            }
            return i;
        }
        while (i < n && (Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
            i++;
        }
        if (i < n && sql.charAt(i) == '.') {
            i++;
            while (i < n && (Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                i++;
            }
        }
        if (i < n && (sql.charAt(i) == 'e' || sql.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (sql.charAt(j) == '+' || sql.charAt(j) == '-')) {
                j++;
            }
            if (j < n && Character.isDigit(sql.charAt(j))) {
                i = j;
                while (i < n && Character.isDigit(sql.charAt(i))) {
                    i++;
                }
            }
        }
        return i;
    }

    /** The index after the identifier characters from {@code i} on. */
    private static int endOfIdentifier(String sql, int i) {
        while (i < sql.length() && isIdentifierPart(sql.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c >= 0x80;
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;
    }

    public void addListener(Consumer<QueryRecord> listener) {
        listeners.add(listener);
    }

    public void record(QueryRecord record) {
        synchronized (this) {
            total++;
            if (record.succeeded()) {
                successful++;
            }
            totalRows += record.rows();
            recent.addLast(record);
            while (recent.size() > window) {
                recent.removeFirst();
            }
        }
        log(record);
        for (Consumer<QueryRecord> l : listeners) {
            try {
                l.accept(record);
            } catch (RuntimeException ignored) {
                // a broken listener must not fail the query that was recorded
            }
        }
    }

    private static void log(QueryRecord r) {
        if (!r.succeeded()) {
            LOG.info(
                    "{} {} failed with {} after {} ms: {}",
                    r.kind(),
                    r.queryId(),
                    r.errorClass(),
                    Math.round(r.durationMs()),
                    r.normalizedSql());
        } else if (r.durationMs() >= SLOW_QUERY.toMillis()) {
            LOG.info(
                    "slow {} {}: {} ms, {} rows, {} bytes: {}",
                    r.kind(),
                    r.queryId(),
                    Math.round(r.durationMs()),
                    r.rows(),
                    r.bytes(),
                    r.normalizedSql());
        } else if (LOG.isDebugEnabled()) {
            LOG.debug(
                    "{} {}: {} ms, {} rows: {}",
                    r.kind(),
                    r.queryId(),
                    Math.round(r.durationMs()),
                    r.rows(),
                    r.normalizedSql());
        }
    }

    public QueryStats stats() {
        List<QueryRecord> snapshot;
        long t;
        long ok;
        long rows;
        synchronized (this) {
            snapshot = new ArrayList<>(recent);
            t = total;
            ok = successful;
            rows = totalRows;
        }
        double[] durations =
                snapshot.stream().mapToDouble(QueryRecord::durationMs).sorted().toArray();
        double avg = Arrays.stream(durations).average().orElse(0);
        double avgPeak = snapshot.stream()
                        .filter(r -> r.peakMemoryBytes() != null)
                        .mapToLong(QueryRecord::peakMemoryBytes)
                        .average()
                        .orElse(0)
                / (1024.0 * 1024.0);
        return new QueryStats(
                t,
                ok,
                t == 0 ? 0 : (double) (t - ok) / t,
                avg,
                percentile(durations, 0.50),
                percentile(durations, 0.95),
                percentile(durations, 0.99),
                rows,
                avgPeak);
    }

    /** The latest records, newest first, optionally only those slower than {@code slowerThan}. */
    public List<QueryRecord> recent(Duration slowerThan, int limit) {
        List<QueryRecord> out = new ArrayList<>();
        synchronized (this) {
            var it = recent.descendingIterator();
            while (it.hasNext() && out.size() < limit) {
                QueryRecord r = it.next();
                if (slowerThan == null || r.durationMs() > slowerThan.toNanos() / 1e6) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
