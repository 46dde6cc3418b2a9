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
import java.util.regex.Pattern;
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
    private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^']|'')*'");
    /** A dollar-quoted string: {@code $$...$$} or {@code $tag$...$tag$} (not a parameter such as {@code $1}). */
    private static final Pattern DOLLAR_LITERAL = Pattern.compile("(?s)\\$([A-Za-z_][A-Za-z0-9_]*|)\\$.*?\\$\\1\\$");

    private static final Pattern NUMBER_LITERAL = Pattern.compile("(?<![\\w$.])\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?\\b");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern LINE_COMMENT = Pattern.compile("--[^\\n]*");
    private static final Pattern BLOCK_COMMENT = Pattern.compile("(?s)/\\*.*?\\*/");

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

    private static String normalizeNow(String sql) {
        String s = BLOCK_COMMENT.matcher(sql).replaceAll(" ");
        s = LINE_COMMENT.matcher(s).replaceAll(" ");
        s = DOLLAR_LITERAL.matcher(s).replaceAll("?");
        s = STRING_LITERAL.matcher(s).replaceAll("?");
        s = NUMBER_LITERAL.matcher(s).replaceAll("?");
        s = WHITESPACE.matcher(s).replaceAll(" ").strip();
        return s.length() > 2000 ? s.substring(0, 2000) : s;
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
