package io.duckbridge.benchmarks.backup;

import io.duckbridge.core.backup.BackupManifest;
import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.backup.BackupSettings;
import io.duckbridge.core.backup.BackupValidation;
import io.duckbridge.core.backup.RestoreResult;
import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Backup, validation and restore throughput against a plain file copy of the same database file, in one
 * run. The database is shaped like the demo shop (customers, products, orders, order items) and generated
 * in DuckDB at the given scale (orders in thousands).
 *
 * <p>Run: {@code java -cp ... io.duckbridge.benchmarks.backup.BackupBenchmark [scale] [workDir] [zstdLevel]}.
 * A work directory of {@code -} means a temporary one, deleted afterwards.
 */
public final class BackupBenchmark {
    private BackupBenchmark() {}

    public static void main(String[] args) throws Exception {
        int scale = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        boolean temporary = args.length <= 1 || args[1].equals("-");
        Path work = temporary ? Files.createTempDirectory("duckbridge-backup-bench") : Path.of(args[1]);
        int level = args.length > 2
                ? Integer.parseInt(args[2])
                : BackupSettings.defaults(work).compressionLevel();
        Files.createDirectories(work);
        Path db = work.resolve("analytics.duckdb");
        try (var engine =
                DuckDbEngine.open(EngineSettings.defaults(db.toString()).withMemoryLimit("2GB"))) {
            generate(engine, scale);
            engine.checkpoint();
            long bytes = Files.size(db);
            double mb = bytes / 1e6;

            Path copy = work.resolve("plain-copy.duckdb");
            long t0 = System.nanoTime();
            Files.copy(db, copy);
            try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            double copySeconds = seconds(t0);
            Files.delete(copy);

            var backups =
                    new BackupService(engine, new BackupSettings(work.resolve("backups"), level, false, null, null));
            t0 = System.nanoTime();
            BackupManifest manifest = backups.create(JobContext.none());
            double backupSeconds = seconds(t0);

            t0 = System.nanoTime();
            BackupValidation validation = backups.validate(manifest.id(), JobContext.none());
            double validateSeconds = seconds(t0);

            t0 = System.nanoTime();
            RestoreResult restored = backups.restore(manifest.id(), JobContext.none());
            double restoreSeconds = seconds(t0);

            Path offline = work.resolve("offline-restore.duckdb");
            t0 = System.nanoTime();
            BackupService.restoreOffline(
                    backups.settings().directory(), manifest.id(), offline, engine.duckdbVersion(), JobContext.none());
            double offlineSeconds = seconds(t0);

            System.out.printf(
                    Locale.ROOT,
                    "database %.1f MB (scale %d, %d tables), archive %.1f MB (zstd level %d, ratio %.2f), valid=%s%n",
                    mb,
                    scale,
                    manifest.tables().size(),
                    manifest.archiveBytes() / 1e6,
                    level,
                    (double) bytes / manifest.archiveBytes(),
                    validation.valid());
            System.out.printf(Locale.ROOT, "%-36s %10s %10s %10s%n", "operation", "seconds", "MB/s", "vs copy");
            row("plain file copy + fsync (baseline)", copySeconds, mb, copySeconds);
            row("backup create", backupSeconds, mb, copySeconds);
            row("backup validate", validateSeconds, mb, copySeconds);
            row("restore online (validate + swap)", restoreSeconds, mb, copySeconds);
            row("restore offline (validate + rename)", offlineSeconds, mb, copySeconds);
            System.out.printf(
                    Locale.ROOT,
                    "write pause: backup %d ms, online restore %d ms (%s)%n",
                    manifest.writePauseMillis(),
                    restored.writePauseMillis(),
                    restored.staged() ? "staged copy, lane swap only" : "copy on the lane");
        } finally {
            if (temporary) {
                deleteTree(work);
            }
        }
    }

    private static void generate(DuckDbEngine engine, int scale) {
        long orders = scale * 1000L;
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE customers AS SELECT i AS id, 'customer ' || i AS name,"
                        + " 'c' || i || '@example.com' AS email, DATE '2020-01-01' + (i % 1500)::INTEGER AS signed_up"
                        + " FROM range(" + Math.max(1000, orders / 10) + ") t(i)");
                st.execute("CREATE TABLE products AS SELECT i AS id, 'product ' || i AS name,"
                        + " (i % 500 + 1) * 1.99::DECIMAL(10,2) AS price FROM range(5000) t(i)");
                st.execute("CREATE TABLE orders AS SELECT i AS id, i % " + Math.max(1000, orders / 10)
                        + " AS customer_id, TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS placed_at,"
                        + " ['new', 'paid', 'shipped', 'delivered'][i % 4 + 1] AS status,"
                        + " (i * 37 % 100000) / 100.0 AS total FROM range(" + orders + ") t(i)");
                st.execute("CREATE TABLE order_items AS SELECT i AS id, i // 3 AS order_id, i % 5000 AS product_id,"
                        + " i % 7 + 1 AS quantity, md5(i::VARCHAR) AS note FROM range(" + orders * 3 + ") t(i)");
            }
            return null;
        });
    }

    private static void row(String name, double seconds, double mb, double baseline) {
        System.out.printf(Locale.ROOT, "%-36s %10.2f %10.1f %9.2fx%n", name, seconds, mb / seconds, baseline / seconds);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
