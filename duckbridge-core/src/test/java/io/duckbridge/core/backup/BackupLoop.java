package io.duckbridge.core.backup;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import java.nio.file.Path;
import java.sql.Statement;

/** Run in a separate JVM: takes backups of a growing database until it is killed. */
public final class BackupLoop {
    private BackupLoop() {}

    public static void main(String[] args) throws Exception {
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(args[0]).withThreads(2))) {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute("CREATE TABLE filler AS SELECT i, md5(i::VARCHAR) AS s FROM range(200000) t(i)");
                }
                return null;
            });
            var backups = new BackupService(engine, BackupSettings.defaults(Path.of(args[1])));
            for (int i = 0; ; i++) {
                int n = i;
                engine.write(session -> {
                    try (Statement st = session.statement()) {
                        st.execute("INSERT INTO filler SELECT i, 'round " + n + "' FROM range(1000) t(i)");
                    }
                    return null;
                });
                System.out.println("BACKUP " + backups.create(JobContext.none()).id());
                System.out.flush();
            }
        }
    }
}
