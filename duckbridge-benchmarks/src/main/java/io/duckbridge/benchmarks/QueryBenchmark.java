package io.duckbridge.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Query API benchmark, in one run against the packaged server started in its own JVM:
 *
 * <ol>
 *   <li>p50/p99 latency of a small query over HTTP minus the same query over direct JDBC (in-process
 *       DuckDB), both against a JDBC client that prepares the query each time and one that reuses its
 *       prepared statement (the server reuses statements of repeated texts); samples in alternating
 *       blocks. Two HTTP clients, each keeping its connection alive: a blocking one ({@link HttpURLConnection}, one
 *       thread, as a script or JDBC-like caller does) and the JDK's asynchronous {@link HttpClient}
 *       (HTTP/1.1), whose selector thread adds hand-offs on the client's side; plus the server's CPU time
 *       per request; samples are taken after a warm-up of the same loop ({@code bench.warmUpSeconds}, 120 s);
 *   <li>requests/s of that query with 16 concurrent clients;
 *   <li>rows/s of a 5,000,000-row result in JSON, CSV and Arrow (client reads every byte), three alternating
 *       rounds, the best run of each format counting.
 * </ol>
 *
 * Usage: {@code QueryBenchmark [server-jar] [rows]}; see docs/benchmarks.md for the command. JVM options
 * for the server beyond {@code -Xmx512m} (to compare collectors, say) go in the system property
 * {@code bench.serverJvmOptions}, separated by spaces; {@code bench.serverCpus} (a {@code taskset} CPU list)
 * starts the server on those CPUs only; {@code bench.block} sets how many samples of one kind are taken in a row.
 */
public final class QueryBenchmark {
    /**
     * How long the small-query loop runs before samples are taken: after 40 s the server's JIT compiler still
     * took 0.10-0.17 ms of CPU per request (printed in the CPU split), after 120 s 0.002 ms.
     */
    static final int WARM_UP_SECONDS = Integer.getInteger("bench.warmUpSeconds", 120);

    /** Samples of one kind taken back to back before the next kind's (see main). */
    static final int BLOCK = Integer.getInteger("bench.block", 100);

    static final String SMALL = "SELECT id, 'name-' || id AS name FROM range(100) t(id) WHERE id < 10";
    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade attempt: the server speaks HTTP/1.1
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args.length > 0 ? args[0] : "duckbridge-server/target/duckbridge-server.jar");
        long rows = args.length > 1 ? Long.parseLong(args[1]) : 5_000_000L;
        Path dataDir = Files.createTempDirectory("duckbridge-bench");
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        String serverCpus = System.getProperty("bench.serverCpus", "").strip();
        if (!serverCpus.isEmpty()) {
            // the server on CPUs of its own (Linux taskset), as when the client runs on another machine; run the
            // benchmark itself under taskset on the other CPUs (docs/benchmarks.md)
            command.addAll(List.of("taskset", "-c", serverCpus));
        }
        command.addAll(List.of(java, "-Xmx512m"));
        String extra = System.getProperty("bench.serverJvmOptions", "").strip();
        if (!extra.isEmpty()) {
            command.addAll(Arrays.asList(extra.split("\\s+")));
        }
        command.addAll(List.of(
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar.toAbsolutePath().toString(),
                "--server.port=" + port,
                "--server.address=127.0.0.1",
                "--duckbridge.demo.enabled=false",
                "--duckbridge.data-dir=" + dataDir,
                "--duckbridge.query.max-concurrent=16",
                "--duckbridge.query.max-queued=64",
                "--logging.level.root=WARN"));
        System.out.println("server: " + String.join(" ", command.subList(command.indexOf(java) + 1, command.size())));
        Process server = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("server.log").toFile())
                .start();
        try {
            String base = "http://127.0.0.1:" + port;
            waitForHealth(base, server);
            String body = "{\"sql\":\"" + SMALL + "\"}";

            // JDBC and HTTP samples alternate in blocks (see below); a long warm-up lets the server's JIT settle first
            int samples = 3000;
            double[] jdbc = new double[samples];
            double[] jdbcReused = new double[samples];
            double[] http = new double[samples];
            double[] blocking = new double[samples];
            byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
            URL url = URI.create(base + "/api/v1/query").toURL();
            Duration serverCpuBefore;
            Map<String, Long> threadTicksBefore;
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                    PreparedStatement reused = c.prepareStatement(SMALL)) {
                // warm-up by time, not by count, until the server's JIT is done (see WARM_UP_SECONDS), as in a
                // server that has been up a while
                long warmUpEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS);
                while (System.nanoTime() < warmUpEnd) {
                    for (int kind = 0; kind < 4; kind++) {
                        once(kind, c, reused, base, body, url, bodyBytes);
                    }
                }
                serverCpuBefore = cpu(server);
                threadTicksBefore = threadTicks(server);
                // in blocks of BLOCK samples of each kind in turn: each kind measured in its own steady state
                // (a server answering a stream of requests, a JDBC caller running its query in a loop), and
                // load from elsewhere on the machine still hits all four alike
                double[][] into = {jdbc, jdbcReused, http, blocking};
                for (int start = 0; start < samples; start += BLOCK) {
                    for (int kind = 0; kind < into.length; kind++) {
                        for (int i = start; i < Math.min(samples, start + BLOCK); i++) {
                            into[kind][i] = once(kind, c, reused, base, body, url, bodyBytes);
                        }
                    }
                }
            }
            double serverCpuPerRequest = cpu(server).minus(serverCpuBefore).toNanos() / 1e6 / (2.0 * samples);
            String cpuSplit = cpuSplit(threadTicksBefore, threadTicks(server), serverCpuPerRequest);
            Arrays.sort(jdbc);
            Arrays.sort(jdbcReused);
            Arrays.sort(http);
            Arrays.sort(blocking);
            System.out.printf(
                    Locale.ROOT,
                    "small query: JDBC (prepare each time) p50 %.3f ms p99 %.3f ms | JDBC (reused statement) p50 %.3f ms"
                            + " p99 %.3f ms | HTTP (blocking client) p50 %.3f ms p99 %.3f ms | HTTP (JDK HttpClient)"
                            + " p50 %.3f ms p99 %.3f ms | server CPU %.3f ms per request%n",
                    pct(jdbc, 0.5),
                    pct(jdbc, 0.99),
                    pct(jdbcReused, 0.5),
                    pct(jdbcReused, 0.99),
                    pct(blocking, 0.5),
                    pct(blocking, 0.99),
                    pct(http, 0.5),
                    pct(http, 0.99),
                    serverCpuPerRequest);
            System.out.println("server CPU per request by thread: " + cpuSplit);
            // the headline: against the JDBC client that keeps its prepared statement, as the server keeps
            // its own, and with the blocking client (the JDK HttpClient's hand-offs are client-side)
            double p50 = pct(blocking, 0.5) - pct(jdbcReused, 0.5);
            double p99 = pct(blocking, 0.99) - pct(jdbcReused, 0.99);
            System.out.printf(
                    Locale.ROOT,
                    "HEADLINE HTTP overhead over JDBC reusing its statement (blocking client): p50 %.3f ms p99 %.3f ms"
                            + " (target <= 0.5 / <= 2 ms: %s)%n",
                    p50,
                    p99,
                    p50 <= 0.5 && p99 <= 2 ? "met" : "NOT met");
            for (var client : List.of(Map.entry("blocking client", blocking), Map.entry("JDK HttpClient", http))) {
                double[] h = client.getValue();
                System.out.printf(
                        Locale.ROOT,
                        "HTTP overhead (%s): over JDBC preparing each time p50 %.3f ms p99 %.3f ms | over JDBC"
                                + " reusing its statement p50 %.3f ms p99 %.3f ms%n",
                        client.getKey(),
                        pct(h, 0.5) - pct(jdbc, 0.5),
                        pct(h, 0.99) - pct(jdbc, 0.99),
                        pct(h, 0.5) - pct(jdbcReused, 0.5),
                        pct(h, 0.99) - pct(jdbcReused, 0.99));
            }

            AtomicLong done = new AtomicLong();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            ExecutorService clients = Executors.newFixedThreadPool(16);
            List<Future<?>> futures = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < 16; c++) {
                futures.add(clients.submit(() -> {
                    while (System.nanoTime() < end) {
                        if (post(base, body, "application/json") == 200) {
                            done.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            clients.shutdown();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "16 concurrent clients: %.0f requests/s%n", done.get() / seconds);

            String big = "{\"sql\":\"SELECT range AS id, range * 0.5 AS half, 'row-' || range AS label FROM range("
                    + rows + ")\",\"maxRows\":" + rows + ",\"timeoutMs\":300000}";
            // three rounds of the three formats, alternating, so a JIT compile or a noisy moment hits one run
            // of one format, not the ratio; the best run of each format counts
            double json = 0;
            double csv = 0;
            double arrow = 0;
            for (int round = 1; round <= 3; round++) {
                double j = rowsPerSecond(base, big, "application/json", rows);
                double c = rowsPerSecond(base, big, "text/csv", rows);
                double a = rowsPerSecond(base, big, "application/vnd.apache.arrow.stream", rows);
                System.out.printf(
                        Locale.ROOT,
                        "round %d: JSON %,.0f rows/s | CSV %,.0f rows/s | Arrow %,.0f rows/s%n",
                        round,
                        j,
                        c,
                        a);
                json = Math.max(json, j);
                csv = Math.max(csv, c);
                arrow = Math.max(arrow, a);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%,d rows, best of 3: JSON %,.0f rows/s | CSV %,.0f rows/s | Arrow %,.0f rows/s | JSON/Arrow %.2f%n",
                    rows,
                    json,
                    csv,
                    arrow,
                    json / arrow);
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * One run of the small query in milliseconds, by {@code kind}: 0 JDBC preparing it, 1 JDBC on {@code reused},
     * 2 HTTP with the JDK client, 3 HTTP with the blocking client.
     */
    private static double once(
            int kind, Connection c, PreparedStatement reused, String base, String body, URL url, byte[] bodyBytes)
            throws Exception {
        return switch (kind) {
            case 0 -> jdbcOnce(c, null);
            case 1 -> jdbcOnce(c, reused);
            case 2 -> {
                long t = System.nanoTime();
                post(base, body, "application/json");
                yield (System.nanoTime() - t) / 1e6;
            }
            default -> {
                long t = System.nanoTime();
                postBlocking(url, bodyBytes);
                yield (System.nanoTime() - t) / 1e6;
            }
        };
    }

    /** One run of the small query in milliseconds: prepared now, or on {@code reused} when given. */
    private static double jdbcOnce(Connection c, PreparedStatement reused) throws Exception {
        long t = System.nanoTime();
        PreparedStatement ps = reused != null ? reused : c.prepareStatement(SMALL);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rs.getLong(1);
                rs.getString(2);
            }
        } finally {
            if (reused == null) {
                ps.close();
            }
        }
        return (System.nanoTime() - t) / 1e6;
    }

    private static double rowsPerSecond(String base, String body, String accept, long rows) throws Exception {
        long t = System.nanoTime();
        HttpResponse<InputStream> response =
                CLIENT.send(request(base, body, accept), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(accept + " answered " + response.statusCode());
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = response.body()) {
            while (in.read(buffer) >= 0) {
                // drain
            }
        }
        return rows / ((System.nanoTime() - t) / 1e9);
    }

    private static int post(String base, String body, String accept) throws IOException, InterruptedException {
        return CLIENT.send(request(base, body, accept), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /**
     * One POST of the small query with {@link HttpURLConnection}: blocking, on this thread, over the JDK's
     * kept-alive connection (reused when the body was read to the end and closed). The body is buffered, so
     * headers and body leave in one write: in streaming mode ({@code setFixedLengthStreamingMode}) they are
     * two small writes, and the second waits for the server's ACK of the first (Nagle's algorithm on the
     * client's socket), which added about 1.2 ms to every request.
     */
    private static void postBlocking(URL url, byte[] body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.setRequestProperty("Accept", "application/json");
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        if (c.getResponseCode() != 200) {
            throw new IllegalStateException("the small query answered " + c.getResponseCode());
        }
        try (InputStream in = c.getInputStream()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    /**
     * CPU clock ticks of the server's threads so far, summed by thread group (see {@link #group}), read from
     * {@code /proc/<pid>/task/<tid>/stat} (Linux; empty elsewhere). Threads that ended in between are lost.
     */
    private static Map<String, Long> threadTicks(Process server) {
        Map<String, Long> ticks = new java.util.TreeMap<>();
        Path tasks = Path.of("/proc", Long.toString(server.pid()), "task");
        try (var dirs = Files.list(tasks)) {
            for (Path task : dirs.toList()) {
                try {
                    ProcStat stat = ProcStat.read(task.resolve("stat"));
                    ticks.merge(group(stat.comm()), stat.ticks(), Long::sum);
                } catch (IOException | RuntimeException threadEnded) {
                    // the thread ended while listing
                }
            }
        } catch (IOException notLinux) {
            return Map.of();
        }
        return ticks;
    }

    private static String group(String comm) {
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return "JIT";
        }
        if (comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.equals("VM Thread")) {
            return "GC+VM";
        }
        if (comm.startsWith("http-nio")) {
            return "Tomcat request/poller threads (query included when run on the caller)";
        }
        if (comm.startsWith("duckbridge-")) {
            return "duckbridge threads";
        }
        return comm.equals("java") ? "unnamed native (DuckDB workers)" : "other";
    }

    /** The per-request CPU of {@code perRequest} ms split by thread group in proportion to their ticks. */
    private static String cpuSplit(Map<String, Long> before, Map<String, Long> after, double perRequest) {
        long total = 0;
        Map<String, Long> delta = new java.util.TreeMap<>();
        for (var e : after.entrySet()) {
            long d = Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
            delta.put(e.getKey(), d);
            total += d;
        }
        if (total == 0) {
            return "n/a";
        }
        StringBuilder s = new StringBuilder();
        for (var e : delta.entrySet()) {
            s.append(s.isEmpty() ? "" : " | ")
                    .append(e.getKey())
                    .append(String.format(Locale.ROOT, " %.3f ms", perRequest * e.getValue() / total));
        }
        return s.toString();
    }

    /** The server process's CPU time so far (all its threads, DuckDB's included). */
    private static Duration cpu(Process server) {
        return server.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private static HttpRequest request(String base, String body, String accept) {
        return HttpRequest.newBuilder(URI.create(base + "/api/v1/query"))
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .timeout(Duration.ofMinutes(5))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static void waitForHealth(String base, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the server exited; see its log");
            }
            try {
                var r = CLIENT.send(
                        HttpRequest.newBuilder(URI.create(base + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the server did not become healthy in 120 s");
    }

    private static double pct(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
