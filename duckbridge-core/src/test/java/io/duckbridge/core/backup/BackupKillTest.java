package io.duckbridge.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class BackupKillTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void killingTheProcessMidBackupLeavesEarlierBackupsValidAndNoPartialListed() throws Exception {
        Path db = dir.resolve("analytics.duckdb");
        Path backupDir = dir.resolve("backups");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BackupLoop.class.getName(),
                        db.toString(),
                        backupDir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Set<String> completed = ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> {
            try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("BACKUP ")) {
                        completed.add(line.substring(7));
                    }
                }
            } catch (java.io.IOException ignored) {
                // the child was killed
            }
        });
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!(completed.size() >= 2 && partialArchiveBeingWritten(backupDir))) {
                assertThat(System.nanoTime()).as("a backup in progress").isLessThan(deadline);
                assertThat(child.isAlive()).as("the backup process is running").isTrue();
                Thread.sleep(2);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);
        }

        assertThat(partialDirectories(backupDir))
                .as("the killed backup left its partial directory")
                .isNotEmpty();
        var catalog = new BackupCatalog(BackupSettings.defaults(backupDir));
        List<String> listed = catalog.list().stream().map(BackupManifest::id).toList();
        assertThat(listed).isNotEmpty();
        assertThat(completed).containsAll(listed);

        try (var engine =
                DuckDbEngine.open(EngineSettings.defaults(db.toString()).withThreads(2))) {
            var service = new BackupService(engine, BackupSettings.defaults(backupDir));
            assertThat(partialDirectories(backupDir))
                    .as("leftovers removed at start")
                    .isEmpty();
            assertThat(service.list()).extracting(BackupManifest::id).containsExactlyElementsOf(listed);
            for (String id : listed) {
                assertThat(service.validate(id, JobContext.none()).problems()).isEmpty();
            }
        }
    }

    private static boolean partialArchiveBeingWritten(Path backupDir) throws Exception {
        for (Path partial : partialDirectories(backupDir)) {
            Path archive = partial.resolve(BackupCatalog.ARCHIVE);
            try {
                if (Files.size(archive) > 0) {
                    return true;
                }
            } catch (java.io.IOException e) {
                // not there yet, or already renamed
            }
        }
        return false;
    }

    private static List<Path> partialDirectories(Path backupDir) throws Exception {
        if (!Files.isDirectory(backupDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(backupDir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(".partial-"))
                    .toList();
        }
    }
}
