package io.duckbridge.core.sync;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.incremental.IncrementalSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import java.time.Duration;
import java.util.List;

/** The sync under test in the sync ITs: the tables one glob selects, incremental by {@code updated_at}. */
final class SyncFixtures {
    private SyncFixtures() {}

    static TableSync tableSync(
            DuckDbEngine engine, PostgresSource source, JobRunner jobs, String include, int workers, int rowsPerRange) {
        return new TableSync(
                engine,
                source,
                jobs,
                new SyncSettings(
                        new TableSelector(List.of(include), List.of()),
                        null,
                        new SnapshotSettings(workers, rowsPerRange),
                        new IncrementalSettings("updated_at", Duration.ofMinutes(1), null, 0)));
    }
}
