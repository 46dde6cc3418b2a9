package io.duckbridge.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * CPU time of this process split by who spent it, for benchmarks that run a server in the same JVM: the S3 test
 * server's threads ({@code S3Proxy-*}), Duckbridge's S3 upload threads ({@code duckbridge-s3-*}), the benchmark's
 * main thread (the exporter: hashing, the staging watch, HEAD requests), and the rest (DuckDB's own threads and
 * the reader running the COPY, the JVM's GC and compilers). Deltas between two snapshots do not depend on how many
 * other processes share the machine, unlike wall time. Threads that end between snapshots lose their share to
 * "rest". Not thread-safe; one instance per measuring thread.
 */
final class CpuSplit {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** CPU nanoseconds so far: total, server, upload, exporter. */
    record Sample(long total, long server, long upload, long exporter) {
        Sample minus(Sample before) {
            return new Sample(
                    total - before.total, server - before.server, upload - before.upload, exporter - before.exporter);
        }

        long rest() {
            return total - server - upload - exporter;
        }

        String describe() {
            return String.format(
                    Locale.ROOT,
                    "CPU %.2f s (S3 server %.2f, upload threads %.2f, exporter thread %.2f, DuckDB+JVM %.2f)",
                    total / 1e9,
                    server / 1e9,
                    upload / 1e9,
                    exporter / 1e9,
                    rest() / 1e9);
        }
    }

    Sample sample() {
        long server = 0;
        long upload = 0;
        long exporter = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu < 0) {
                continue;
            }
            String name = info.getThreadName();
            if (name.startsWith("S3Proxy")) {
                server += cpu;
            } else if (name.startsWith("duckbridge-s3-")) {
                upload += cpu;
            } else if (name.equals("main")) {
                exporter += cpu;
            }
        }
        return new Sample(os.getProcessCpuTime(), server, upload, exporter);
    }
}
