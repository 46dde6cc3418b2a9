package io.duckbridge.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.lake.LocalObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackupUploadTest {
    @TempDir
    Path dataDir;

    @Test
    void uploadsEachNewBackupAndDeletesRemoteCopiesWithRetention() throws Exception {
        Path remoteRoot = dataDir.resolve("remote");
        try (var engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString())
                        .withThreads(2))) {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)");
                }
                return null;
            });
            var service = new BackupService(engine, BackupSettings.defaults(dataDir.resolve("backups")));
            service.uploadTo(new LocalObjectStore(remoteRoot));
            BackupManifest first = service.create(JobContext.none());
            BackupManifest second = service.create(JobContext.none());

            Path remoteArchive = remoteRoot.resolve(first.id()).resolve(BackupCatalog.ARCHIVE);
            assertThat(ArchiveCodec.sha256(remoteArchive)).isEqualTo(first.sha256());
            assertThat(remoteRoot.resolve(first.id()).resolve(BackupCatalog.MANIFEST))
                    .exists();
            @SuppressWarnings("unchecked")
            List<String> locations = (List<String>) service.describe(first).get("locations");
            assertThat(locations).hasSize(2);
            assertThat(locations.get(1)).contains(first.id());

            assertThat(service.prune(new RetentionPolicy(1, null), Instant.now()))
                    .containsExactly(first.id());
            assertThat(Files.exists(remoteArchive)).isFalse();
            assertThat(remoteRoot.resolve(second.id()).resolve(BackupCatalog.ARCHIVE))
                    .exists();
        }
    }
}
