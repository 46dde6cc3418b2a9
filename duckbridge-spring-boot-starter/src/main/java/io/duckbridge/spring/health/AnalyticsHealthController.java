package io.duckbridge.spring.health;

import io.duckbridge.core.backup.BackupManifest;
import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineStatus;
import io.duckbridge.core.sync.TableSync;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The seed-compatible {@code GET /analytics/health}: {@code database_accessible}, {@code memory_usage} (bytes
 * DuckDB uses now), {@code table_count} (user tables, not Duckbridge's own state), {@code last_backup} (time of
 * the newest valid backup, or null) and {@code disk_space_mb} (free space where the database lives). Always
 * answers 200 with {@code database_accessible: false} when DuckDB cannot be read, as the seed did. Thread-safe.
 */
@RestController
public class AnalyticsHealthController {
    private final DuckDbEngine engine;
    private final ObjectProvider<BackupService> backups;

    public AnalyticsHealthController(DuckDbEngine engine, ObjectProvider<BackupService> backups) {
        this.engine = engine;
        this.backups = backups;
    }

    @GetMapping("/analytics/health")
    public Map<String, Object> health() {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean accessible;
        long memory = 0;
        long tables = 0;
        try {
            EngineStatus status = engine.status();
            memory = status.memoryUsageBytes();
            tables = engine.read(Duration.ofSeconds(5), session -> {
                try (Statement st = session.statement();
                        // the tables GET /api/v1/tables lists
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND "
                                + TableSync.USER_TABLES)) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            accessible = true;
        } catch (RuntimeException e) {
            accessible = false;
        }
        body.put("database_accessible", accessible);
        body.put("memory_usage", memory);
        body.put("table_count", tables);
        body.put("last_backup", lastBackup().map(m -> m.createdAt().toString()).orElse(null));
        body.put("disk_space_mb", freeDiskMb());
        return body;
    }

    private Optional<BackupManifest> lastBackup() {
        BackupService service = backups.getIfAvailable();
        if (service == null) {
            return Optional.empty();
        }
        try {
            return service.newestValid();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private long freeDiskMb() {
        String path = engine.settings().inMemory() ? "." : engine.settings().databasePath();
        Path dir = Path.of(path).toAbsolutePath().getParent();
        try {
            while (dir != null && !Files.exists(dir)) {
                dir = dir.getParent();
            }
            FileStore store = Files.getFileStore(dir == null ? Path.of(".") : dir);
            return store.getUsableSpace() / (1024 * 1024);
        } catch (IOException e) {
            return -1;
        }
    }
}
