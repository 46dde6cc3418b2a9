package io.duckbridge.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time of this process split by who spent it, for benchmarks that run a server in the same JVM: the S3 test
 * server's threads ({@code S3Proxy-*}), Duckbridge's S3 upload threads ({@code duckbridge-s3-*}), the benchmark's
 * main thread (the exporter: hashing, the staging watch, HEAD requests), the JVM's JIT compiler threads (read from
 * {@code /proc/self/task}, as the JVM does not list them; 0 elsewhere), and the rest (DuckDB's own threads and the
 * reader running the COPY, the JVM's GC). Deltas between two snapshots do not depend on how many other processes
 * share the machine, unlike wall time. What threads that end between snapshots spent goes to "rest". Not
 * thread-safe; one instance per measuring thread.
 */
final class CpuSplit {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /**
     * CPU nanoseconds so far: total, server, upload, exporter, JIT compilers; {@code threads} holds each live
     * thread's CPU time by id, so that {@link #minus} counts only what threads alive at the later sample spent
     * (a Jetty pool thread that ended would otherwise take its whole past CPU time off its group).
     */
    record Sample(long total, long server, long upload, long exporter, long jit, Map<Long, ThreadCpu> threads) {
        Sample minus(Sample before) {
            long[] groups = new long[Group.values().length];
            for (Map.Entry<Long, ThreadCpu> e : threads.entrySet()) {
                ThreadCpu earlier = before.threads.get(e.getKey());
                long since = e.getValue().nanos() - (earlier == null ? 0 : earlier.nanos());
                groups[e.getValue().group().ordinal()] += since;
            }
            return new Sample(
                    total - before.total,
                    groups[Group.SERVER.ordinal()],
                    groups[Group.UPLOAD.ordinal()],
                    groups[Group.EXPORTER.ordinal()],
                    jit - before.jit,
                    Map.of());
        }

        long rest() {
            return total - server - upload - exporter - jit;
        }

        String describe() {
            return String.format(
                    Locale.ROOT,
                    "CPU %.2f s (S3 server %.2f, upload threads %.2f, exporter thread %.2f, JIT %.2f, DuckDB+JVM %.2f)",
                    total / 1e9,
                    server / 1e9,
                    upload / 1e9,
                    exporter / 1e9,
                    jit / 1e9,
                    rest() / 1e9);
        }
    }

    enum Group {
        SERVER,
        UPLOAD,
        EXPORTER,
        OTHER
    }

    record ThreadCpu(Group group, long nanos) {}

    Sample sample() {
        long[] groups = new long[Group.values().length];
        Map<Long, ThreadCpu> byThread = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu < 0) {
                continue;
            }
            String name = info.getThreadName();
            Group group = name.startsWith("S3Proxy")
                    ? Group.SERVER
                    : name.startsWith("duckbridge-s3-")
                            ? Group.UPLOAD
                            : name.equals("main") ? Group.EXPORTER : Group.OTHER;
            groups[group.ordinal()] += cpu;
            byThread.put(info.getThreadId(), new ThreadCpu(group, cpu));
        }
        return new Sample(
                os.getProcessCpuTime(),
                groups[Group.SERVER.ordinal()],
                groups[Group.UPLOAD.ordinal()],
                groups[Group.EXPORTER.ordinal()],
                compilerNanos(),
                byThread);
    }

    /** CPU time of the JIT compiler threads ({@code C1 CompilerThread0}, ... shortened to 15 characters). */
    private static long compilerNanos() {
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    ProcStat stat = ProcStat.read(task.resolve("stat"));
                    if (stat.comm().contains("CompilerThre")) {
                        ticks += stat.ticks();
                    }
                } catch (IOException | RuntimeException ended) {
                    // the thread ended since the listing
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            return 0;
        }
        return Math.round(ticks * 1e9 / ProcStat.TICKS_PER_SECOND);
    }
}
