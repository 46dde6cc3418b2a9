package io.duckbridge.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSandbox;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.engine.LeftoverTables;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.sync.snapshot.CopyIngester;
import io.duckbridge.core.sync.snapshot.SnapshotCopier;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackupServiceTest {
    private static final int ACCOUNTS = 200;
    private static final long OPENING_BALANCE = 1_000;

    @TempDir
    Path dataDir;

    private DuckDbEngine engine;
    private BackupService backups;

    @BeforeEach
    void open() {
        engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString())
                        .withThreads(2)
                        .withSandbox(EngineSandbox.of(dataDir)));
        backups = new BackupService(engine, BackupSettings.defaults(dataDir.resolve("backups")));
    }

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void backupDuringConcurrentTransfersRestoresToOneInstant() throws Exception {
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE checking(id INTEGER PRIMARY KEY, balance BIGINT)");
                st.execute("CREATE TABLE savings(id INTEGER PRIMARY KEY, balance BIGINT)");
                st.execute("CREATE TABLE transfers(seq BIGINT, account INTEGER, amount BIGINT)");
                st.execute("INSERT INTO checking SELECT i, " + OPENING_BALANCE + " FROM range(" + ACCOUNTS + ") t(i)");
                st.execute("INSERT INTO savings SELECT i, " + OPENING_BALANCE + " FROM range(" + ACCOUNTS + ") t(i)");
                st.execute("CREATE TABLE filler AS SELECT i, md5(i::VARCHAR) AS s FROM range(300000) t(i)");
            }
            return null;
        });
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong committed = new AtomicLong();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            Random random = new Random(7);
            while (!stop.get()) {
                long seq = committed.get() + 1;
                int account = random.nextInt(ACCOUNTS);
                long amount = random.nextInt(100) - 50;
                engine.write(session -> {
                    try (var debit = session.prepare("UPDATE checking SET balance = balance - ? WHERE id = ?");
                            var credit = session.prepare("UPDATE savings SET balance = balance + ? WHERE id = ?");
                            var log = session.prepare("INSERT INTO transfers VALUES (?, ?, ?)")) {
                        debit.setLong(1, amount);
                        debit.setInt(2, account);
                        debit.executeUpdate();
                        credit.setLong(1, amount);
                        credit.setInt(2, account);
                        credit.executeUpdate();
                        log.setLong(1, seq);
                        log.setInt(2, account);
                        log.setLong(3, amount);
                        log.executeUpdate();
                    }
                    return null;
                });
                committed.set(seq);
            }
        });
        waitUntil(() -> committed.get() > 20);
        long before = committed.get();
        BackupManifest manifest = backups.create(JobContext.none());
        long after = committed.get();
        stop.set(true);
        writer.get(30, TimeUnit.SECONDS);

        assertThat(after).as("transfers committed while the backup ran").isGreaterThan(before);
        assertThat(manifest.writePauseMillis()).isLessThan(manifest.durationMillis() + 1);
        Path restored = dataDir.resolve("restored.duckdb");
        // what a killed offline restore of this backup left in the scratch area
        Path leftover = backups.settings().scratchDirectory().resolve("restore-" + manifest.id() + "-dead.duckdb");
        Files.createDirectories(leftover.getParent());
        Files.write(leftover, new byte[1024]);
        Files.write(Path.of(leftover + ".wal"), new byte[16]);
        BackupService.restoreOffline(
                backups.settings().directory(), manifest.id(), restored, engine.duckdbVersion(), JobContext.none());
        assertThat(leftover).doesNotExist();
        assertThat(Path.of(leftover + ".wal")).doesNotExist();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + restored)) {
            long transfers = queryLong(c, "SELECT count(*) FROM transfers");
            assertThat(transfers)
                    .as("the backup holds a prefix of the transfers: every one up to its instant, none after")
                    .isEqualTo(queryLong(c, "SELECT coalesce(max(seq), 0) FROM transfers"))
                    .isBetween(before, after);
            assertThat(queryLong(c, "SELECT (SELECT sum(balance) FROM checking) + (SELECT sum(balance) FROM savings)"))
                    .isEqualTo(2 * ACCOUNTS * OPENING_BALANCE);
            assertThat(queryLong(
                            c,
                            "SELECT count(*) FROM checking c JOIN (SELECT account, sum(amount) s FROM"
                                    + " transfers GROUP BY account) t ON c.id = t.account WHERE c.balance <> "
                                    + OPENING_BALANCE + " - t.s"))
                    .as("every balance equals the opening balance plus the transfers in the backup")
                    .isZero();
            assertThat(queryLong(c, "SELECT count(*) FROM transfers"))
                    .isEqualTo(manifest.rowCounts().get("transfers"));
        }
    }

    @Test
    void restoreRoundTripsEveryTableWhileReadsContinue() throws Exception {
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE orders(id INTEGER PRIMARY KEY, amount DECIMAL(18,2), placed TIMESTAMP,"
                        + " tags VARCHAR[], meta STRUCT(a INTEGER, b VARCHAR), payload BLOB)");
                st.execute("INSERT INTO orders SELECT i, i * 1.25, TIMESTAMP '2024-01-01' + INTERVAL (i) MINUTE,"
                        + " ['x', i::VARCHAR], {'a': i, 'b': 'b' || i}, '\\xAA'::BLOB FROM range(5000) t(i)");
                st.execute("CREATE SCHEMA shop");
                st.execute("CREATE TABLE shop.customers AS SELECT i AS id, 'c' || i AS name FROM range(300) t(i)");
                st.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100");
                st.execute("CREATE SEQUENCE ids START 42");
                st.execute("CREATE SCHEMA IF NOT EXISTS duckbridge");
                st.execute("CREATE TABLE duckbridge.cdc_state(slot VARCHAR, applied_lsn VARCHAR)");
                st.execute("INSERT INTO duckbridge.cdc_state VALUES ('duckbridge', '0/16B3748')");
            }
            return null;
        });
        BackupManifest manifest = backups.create(JobContext.none());
        assertThat(manifest.rowCounts())
                .containsEntry("orders", 5000L)
                .containsEntry("shop.customers", 300L)
                .containsEntry("duckbridge.cdc_state", 1L);
        assertThat(manifest.state().get("cdc_state"))
                .containsExactly(Map.of("slot", "duckbridge", "applied_lsn", "0/16B3748"));
        assertThat(manifest.duckdbVersion()).isEqualTo(engine.duckdbVersion());
        List<TableChecksum> original = liveChecksums();

        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("UPDATE orders SET amount = 0 WHERE id < 100");
                st.execute("DROP TABLE shop.customers");
                st.execute("CREATE TABLE stray(x INTEGER)");
                st.execute("UPDATE duckbridge.cdc_state SET applied_lsn = '0/FFFFFFF'");
            }
            return null;
        });
        assertThat(liveChecksums()).isNotEqualTo(original);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        List<Throwable> readErrors = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    engine.read(Duration.ofSeconds(30), session -> {
                        try (Statement st = session.statement();
                                ResultSet rs = st.executeQuery("SELECT count(*) FROM orders")) {
                            rs.next();
                            assertThat(rs.getLong(1)).isEqualTo(5000);
                        }
                        return null;
                    });
                    reads.incrementAndGet();
                } catch (Throwable t) {
                    synchronized (readErrors) {
                        readErrors.add(t);
                    }
                    return;
                }
            }
        });
        reader.start();
        RestoreResult result = backups.restore(manifest.id(), JobContext.none());
        stop.set(true);
        reader.join();

        assertThat(readErrors).isEmpty();
        assertThat(reads.get()).isPositive();
        assertThat(liveChecksums()).isEqualTo(original);
        assertThat(result.tables()).isEqualTo(manifest.rowCounts());
        assertThat(result.writePauseMillis()).isLessThanOrEqualTo(result.durationMillis());
        assertThat(result.staged()).as("a sequence is copied on the lane").isFalse();
        engine.read(session -> {
            try (Statement st = session.statement()) {
                assertThat(queryLong(session.connection(), "SELECT count(*) FROM big_orders"))
                        .isEqualTo(queryLong(session.connection(), "SELECT count(*) FROM orders WHERE amount > 100"));
                assertThat(queryLong(session.connection(), "SELECT nextval('ids')"))
                        .isEqualTo(42);
                assertThat(queryLong(
                                session.connection(),
                                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stray'"))
                        .isZero();
                try (ResultSet rs = st.executeQuery("SELECT applied_lsn FROM duckbridge.cdc_state")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("0/16B3748");
                }
            }
            return null;
        });
        // writes go on after the swap
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("INSERT INTO orders (id) VALUES (999999)");
            }
            return null;
        });
    }

    @Test
    void validationAcceptsAnIntactBackupAndRecordsIt() {
        createSmallDatabase();
        BackupManifest manifest = backups.create(JobContext.none());
        BackupValidation validation = backups.validate(manifest.id(), JobContext.none());
        assertThat(validation.valid()).isTrue();
        assertThat(validation.problems()).isEmpty();
        assertThat(backups.lastValidation(manifest.id())).contains(validation);
        assertThat(backups.newestValid()).contains(manifest);
    }

    @Test
    void aBackupOfAnotherDuckDbVersionSaysItsChecksumsWereNotCompared() {
        createSmallDatabase();
        BackupManifest manifest = backups.create(JobContext.none());
        assertThat(backups.validate(manifest.id(), JobContext.none()).notes()).isEmpty();
        // as a server running another DuckDB would validate it
        BackupValidation validation = BackupService.validateOffline(
                backups.settings().directory(), manifest.id(), "v9.9.9", JobContext.none());
        assertThat(validation.valid()).isTrue();
        assertThat(validation.notes())
                .singleElement()
                .asString()
                .contains("checksums were not compared", manifest.duckdbVersion(), "v9.9.9");
        assertThat(backups.lastValidation(manifest.id()))
                .hasValueSatisfying(v -> assertThat(v.notes()).isEqualTo(validation.notes()));
    }

    @Test
    void aBackupDirectoryWithAnUnreadableManifestIsNamedAsSuch() throws Exception {
        createSmallDatabase();
        BackupManifest manifest = backups.create(JobContext.none());
        Files.writeString(backups.settings().directory().resolve(manifest.id()).resolve("manifest.json"), "{ not json");
        assertThatThrownBy(() -> backups.validate(manifest.id(), JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_FOUND))
                .hasMessageContaining("manifest.json is missing, unreadable or names another backup");
        assertThatThrownBy(() -> backups.validate("20200101T000000000Z-000000", JobContext.none()))
                .hasMessageStartingWith("no backup with id 20200101T000000000Z-000000");
    }

    @Test
    void flippedByteMakesValidationFailWithTheReason() throws Exception {
        createSmallDatabase();
        BackupManifest manifest = backups.create(JobContext.none());
        Path archive = backups.catalog().archive(manifest);
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
        BackupValidation validation = backups.validate(manifest.id(), JobContext.none());
        assertThat(validation.valid()).isFalse();
        assertThat(validation.problems()).anySatisfy(p -> assertThat(p).contains("SHA-256"));
        assertThat(backups.newestValid()).isEmpty();
    }

    @Test
    void truncatedArchiveMakesValidationFailWithTheReason() throws Exception {
        createSmallDatabase();
        BackupManifest manifest = backups.create(JobContext.none());
        Path archive = backups.catalog().archive(manifest);
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            f.setLength(f.length() / 3);
        }
        BackupValidation validation = backups.validate(manifest.id(), JobContext.none());
        assertThat(validation.valid()).isFalse();
        assertThat(validation.problems())
                .anySatisfy(p -> assertThat(p).contains("truncated"))
                .anySatisfy(p -> assertThat(p).contains("does not decompress"));
    }

    @Test
    void tableDeletedFromTheArchiveMakesValidationFailWithTheReason() throws Exception {
        createSmallDatabase();
        BackupManifest manifest = backups.create(JobContext.none());
        Path archive = backups.catalog().archive(manifest);
        // rebuild the archive without one table and make the manifest's archive checksums match it, so
        // only the comparison of contents can notice
        Path plain = dataDir.resolve("tampered.duckdb");
        try (InputStream in = new ZstdInputStream(Files.newInputStream(archive))) {
            Files.copy(in, plain);
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + plain);
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE shop.customers");
            st.execute("CHECKPOINT");
        }
        try (InputStream in = Files.newInputStream(plain);
                OutputStream out = new ZstdOutputStream(Files.newOutputStream(archive), 3)) {
            in.transferTo(out);
        }
        Path manifestFile = archive.resolveSibling("manifest.json");
        var mapper = JsonMapper.builder().build();
        var tree = (tools.jackson.databind.node.ObjectNode) mapper.readTree(manifestFile.toFile());
        tree.put("sha256", ArchiveCodec.sha256(archive));
        tree.put("archiveBytes", Files.size(archive));
        mapper.writeValue(manifestFile.toFile(), tree);

        BackupValidation validation = backups.validate(manifest.id(), JobContext.none());
        assertThat(validation.valid()).isFalse();
        assertThat(validation.problems())
                .containsExactly("table shop.customers is in the manifest but missing from the archive");
    }

    @Test
    void invalidBackupIsNotRestoredAndTheLiveDatabaseIsUntouched() throws Exception {
        createSmallDatabase();
        BackupManifest manifest = backups.create(JobContext.none());
        try (RandomAccessFile f =
                new RandomAccessFile(backups.catalog().archive(manifest).toFile(), "rw")) {
            f.setLength(f.length() - 10);
        }
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("INSERT INTO items VALUES (100000, 'after')");
            }
            return null;
        });
        assertThatThrownBy(() -> backups.restore(manifest.id(), JobContext.none()))
                .isInstanceOf(DuckbridgeException.class)
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.CONFLICT))
                .hasMessageContaining("invalid");
        long items = engine.read(session -> queryLong(session.connection(), "SELECT count(*) FROM items"));
        assertThat(items).isEqualTo(1001);
    }

    @Test
    void backupAndRestoreSucceedWhileAnotherConnectionHoldsAnOpenWriteTransaction() throws Exception {
        createSmallDatabase();
        // a second connection inside a transaction that has written: DuckDB refuses CHECKPOINT meanwhile
        org.duckdb.DuckDBConnection other = engine.<org.duckdb.DuckDBConnection>laneAsync(
                        session -> session.connection().duplicate())
                .join();
        try (other;
                Statement st = other.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            st.execute("CREATE TABLE pending AS SELECT 1 AS x");
            assertThatThrownBy(engine::checkpoint).isInstanceOf(DuckbridgeException.class);

            BackupManifest manifest = backups.create(JobContext.none());
            engine.write(session -> {
                try (Statement w = session.statement()) {
                    w.execute("DELETE FROM items WHERE id < 500");
                }
                return null;
            });
            backups.restore(manifest.id(), JobContext.none());

            long items = engine.read(session -> queryLong(session.connection(), "SELECT count(*) FROM items"));
            assertThat(items).isEqualTo(1000);
            st.execute("ROLLBACK");
        }
    }

    @Test
    void aBackupThatRunsOutOfDiskFailsAsIoNamingTheCauseAndTheNextBackupWorks() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/full")), "needs /dev/full");
        // one reader: the backups after the failure run on the connection the failed one used
        engine.close();
        engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString())
                        .withThreads(2)
                        .withReaders(1, 4)
                        // the sandbox follows links: /dev is allowed for the link to /dev/full below
                        .withSandbox(EngineSandbox.of(dataDir, Path.of("/dev"))));
        backups = new BackupService(engine, BackupSettings.defaults(dataDir.resolve("backups")));
        createSmallDatabase();
        engine.write(session -> {
            try (Statement st = session.statement()) {
                // enough rows that the checksums give the disk time to "fill" before the copy commits
                st.execute("CREATE TABLE filler AS SELECT i, md5(i::VARCHAR) AS s FROM range(400000) t(i)");
            }
            return null;
        });
        BackupManifest first = backups.create(JobContext.none());

        // the disk fills while the copy is written: its WAL goes to /dev/full, which answers ENOSPC
        Path scratch = dataDir.resolve("backups/.scratch");
        AtomicBoolean full = new AtomicBoolean();
        Thread filler = Thread.ofPlatform().daemon().start(() -> {
            while (!full.get() && !Thread.currentThread().isInterrupted()) {
                try (var files = Files.list(scratch)) {
                    var copy = files.filter(f -> f.getFileName().toString().startsWith("backup-")
                                    && f.getFileName().toString().endsWith(".duckdb"))
                            .findFirst();
                    if (copy.isPresent()) {
                        Files.createSymbolicLink(Path.of(copy.get() + ".wal"), Path.of("/dev/full"));
                        full.set(true);
                    }
                } catch (java.io.IOException e) {
                    // the scratch directory is not there yet
                }
                Thread.onSpinWait();
            }
        });
        try {
            assertThatThrownBy(() -> backups.create(JobContext.none()))
                    .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo(ErrorClass.IO);
                        assertThat(e.getMessage()).contains(scratch.toString()).contains("No space left on device");
                    });
        } finally {
            full.set(true);
            filler.join(10_000);
        }
        assertThat(backups.list()).extracting(BackupManifest::id).containsExactly(first.id());

        // space is free again: every later backup works, on the same reader, and restores the same rows
        for (int i = 0; i < 3; i++) {
            BackupManifest next = backups.create(JobContext.none());
            assertThat(next.rowCounts()).containsEntry("filler", 400_000L).containsEntry("items", 1000L);
        }
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("DELETE FROM items");
            }
            return null;
        });
        backups.restore(backups.list().getFirst().id(), JobContext.none());
        assertThat(engine.<Long>read(session -> queryLong(session.connection(), "SELECT count(*) FROM items")))
                .isEqualTo(1000);
    }

    @Test
    void failureMidBackupLeavesEarlierBackupsValidAndNoPartialListed() {
        createSmallDatabase();
        BackupManifest first = backups.create(JobContext.none());
        JobContext failsHalfWay = new JobContext() {
            long done;

            @Override
            public String jobId() {
                return "failing";
            }

            @Override
            public void total(long total, String unit) {}

            @Override
            public void advance(long delta) {
                done += delta;
            }

            @Override
            public boolean cancelRequested() {
                return done > 0;
            }

            @Override
            public void checkCancelled() {
                if (cancelRequested()) {
                    throw new DuckbridgeException(ErrorClass.CANCELLED, "cancelled half-way");
                }
            }
        };
        assertThatThrownBy(() -> backups.create(failsHalfWay)).isInstanceOf(DuckbridgeException.class);
        assertThat(backups.list()).extracting(BackupManifest::id).containsExactly(first.id());
        assertThat(dataDir.resolve("backups").toFile().list()).containsOnly(first.id(), ".scratch");
        assertThat(backups.validate(first.id(), JobContext.none()).valid()).isTrue();
    }

    @Test
    void retentionRunsWhenTheUploadFails() {
        createSmallDatabase();
        BackupService keepsOne = new BackupService(
                engine,
                BackupSettings.defaults(dataDir.resolve("backups")).withRetention(new RetentionPolicy(1, null)));
        keepsOne.uploadTo(new UnreachableStore());
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> keepsOne.create(JobContext.none()))
                    .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("was written locally, but its upload");
                    });
        }
        // three local backups written while the storage was down; retention kept the newest only
        assertThat(keepsOne.list()).hasSize(1);
    }

    /** Object storage that is down: every request fails as an unreachable endpoint does. */
    private static final class UnreachableStore implements io.duckbridge.core.lake.ObjectStore {
        private static DuckbridgeException down() {
            return new DuckbridgeException(ErrorClass.SOURCE_UNAVAILABLE, "object storage is unreachable");
        }

        @Override
        public String uri(String key) {
            return "s3://down/" + key;
        }

        @Override
        public io.duckbridge.core.lake.StoredObject put(String key, java.nio.file.Path file) {
            throw down();
        }

        @Override
        public List<io.duckbridge.core.lake.StoredObject> putAll(Map<String, java.nio.file.Path> files) {
            throw down();
        }

        @Override
        public io.duckbridge.core.lake.StoredObject get(String key, java.nio.file.Path target) {
            throw down();
        }

        @Override
        public java.util.Optional<io.duckbridge.core.lake.StoredObject> stat(String key) {
            throw down();
        }

        @Override
        public List<io.duckbridge.core.lake.StoredObject> list(String prefix) {
            throw down();
        }

        @Override
        public void delete(java.util.Collection<String> keys) {
            throw down();
        }

        @Override
        public java.util.Optional<byte[]> read(String key) {
            throw down();
        }

        @Override
        public void write(String key, byte[] content) {
            throw down();
        }

        @Override
        public void checkAccess() {
            throw down();
        }

        @Override
        public String path() {
            return "s3://down/";
        }
    }

    @Test
    void listenersRunAfterARestoreWhoseThreadWasInterrupted() {
        createSmallDatabase();
        BackupManifest backup = backups.create(JobContext.none());
        java.util.concurrent.atomic.AtomicReference<Object> after = new java.util.concurrent.atomic.AtomicReference<>();
        backups.addRestoreListener(new RestoreListener() {
            @Override
            public void beforeSwap(BackupManifest manifest) {
                Thread.currentThread().interrupt(); // as DELETE /api/v1/jobs/{id} does to the restore's thread
            }

            @Override
            public void afterSwap(BackupManifest manifest, boolean swapped) {
                // CDC's listener starts the stream again here, which needs DuckDB
                try {
                    after.set(engine.read(session -> queryLong(session.connection(), "SELECT count(*) FROM items")));
                } catch (RuntimeException e) {
                    after.set(e);
                }
            }
        });
        try {
            assertThatThrownBy(() -> backups.restore(backup.id(), JobContext.none()))
                    .isInstanceOf(DuckbridgeException.class);
            assertThat(Thread.currentThread().isInterrupted())
                    .as("the interrupt is kept")
                    .isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(after.get()).isEqualTo(1000L);
    }

    @Test
    void aRestoreJobShowsAllItsWorkDoneOnlyOnceItHasSucceeded() throws Exception {
        createSmallDatabase();
        try (JobRunner jobs = new JobRunner(2, 10)) {
            var created = backups.submitCreate(jobs).completion().get(60, TimeUnit.SECONDS);
            String id = (String) created.result().get("id");
            // seen on the restore's own thread once the backup is validated (decompressed and checked), and once
            // its tables are swapped in: before, the job read 100% there while the validation's checks and the
            // swap were still to come
            List<JobSnapshot> atTheSwap = new CopyOnWriteArrayList<>();
            backups.addRestoreListener(new RestoreListener() {
                @Override
                public void beforeSwap(BackupManifest backup) {
                    atTheSwap.addAll(restoreJobs(jobs));
                }

                @Override
                public void afterSwap(BackupManifest backup, boolean swapped) {
                    atTheSwap.addAll(restoreJobs(jobs));
                }
            });
            Job restore = backups.submitRestore(jobs, id);
            List<JobSnapshot> polled = new ArrayList<>();
            while (!restore.completion().isDone()) {
                polled.add(restore.snapshot()); // as a client polling GET /api/v1/jobs/{id} sees it
                LockSupport.parkNanos(1_000_000L); // poll interval
            }
            JobSnapshot restored = restore.completion().get(60, TimeUnit.SECONDS);

            assertThat(restored.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(restored.done()).isEqualTo(restored.total()).isPositive();
            assertThat(restore.snapshot().done()).isEqualTo(restored.total());
            assertThat(atTheSwap).hasSize(2).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(JobStatus.RUNNING);
                assertThat(s.total()).isPositive();
                assertThat(s.done()).isLessThan(s.total());
            });
            assertThat(polled)
                    .filteredOn(s -> s.status() == JobStatus.RUNNING && s.total() >= 0)
                    .allSatisfy(s -> assertThat(s.done()).isLessThan(s.total()));
        }
    }

    private static List<JobSnapshot> restoreJobs(JobRunner jobs) {
        return jobs.recent().stream().filter(j -> j.kind() == JobKind.RESTORE).toList();
    }

    @Test
    void backupAndRestoreRunAsJobsWithResults() throws Exception {
        createSmallDatabase();
        try (JobRunner jobs = new JobRunner(2, 10)) {
            var created = backups.submitCreate(jobs).completion().get(60, TimeUnit.SECONDS);
            assertThat(created.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(created.result()).containsKeys("id", "createdAt", "sizeBytes", "locations", "tables", "sha256");
            assertThat(created.done()).isEqualTo(created.total()).isPositive();
            String id = (String) created.result().get("id");
            var restored = backups.submitRestore(jobs, id).completion().get(60, TimeUnit.SECONDS);
            assertThat(restored.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(restored.result()).containsEntry("id", id).containsKey("writePauseMillis");
        }
        assertThatThrownBy(() -> backups.get("no-such-backup"))
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
        assertThatThrownBy(() -> backups.get("../etc"))
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
    }

    @Test
    void stagedRestoreKeepsConstraintsViewsAndSchemasAndLeavesNoStagingTables() throws Exception {
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE SCHEMA shop");
                st.execute("CREATE TABLE shop.\"Order Lines\"(id BIGINT PRIMARY KEY, sku VARCHAR NOT NULL,"
                        + " qty INTEGER DEFAULT 1 CHECK (qty > 0), note VARCHAR UNIQUE)");
                st.execute(
                        "INSERT INTO shop.\"Order Lines\" SELECT i, 'sku' || i, i % 9 + 1, NULL FROM range(20000) t(i)");
                st.execute("CREATE TABLE totals AS SELECT i AS id, i * 2 AS total FROM range(1000) t(i)");
                st.execute("CREATE VIEW shop.big AS SELECT * FROM shop.\"Order Lines\" WHERE qty > 5");
                st.execute("CREATE VIEW both_views AS SELECT count(*) AS n FROM shop.big");
                st.execute("CREATE SCHEMA duckbridge");
                st.execute("CREATE TABLE duckbridge.sync_state(t VARCHAR, watermark BIGINT)");
                st.execute("INSERT INTO duckbridge.sync_state VALUES ('totals', 7)");
            }
            return null;
        });
        BackupManifest manifest = backups.create(JobContext.none());
        List<TableChecksum> original = liveChecksums();
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("DELETE FROM shop.\"Order Lines\" WHERE id < 500");
                st.execute("DROP VIEW both_views");
                st.execute("CREATE SCHEMA extra");
                st.execute("CREATE TABLE extra.stray AS SELECT 1 AS x");
                st.execute("CREATE VIEW stray_view AS SELECT 1 AS y");
                st.execute("UPDATE duckbridge.sync_state SET watermark = 99");
            }
            return null;
        });

        RestoreResult result = backups.restore(manifest.id(), JobContext.none());

        assertThat(result.staged()).isTrue();
        assertThat(result.writePauseMillis()).isLessThanOrEqualTo(result.durationMillis());
        assertThat(liveChecksums()).isEqualTo(original);
        engine.read(session -> {
            Connection c = session.connection();
            assertThat(queryLong(c, "SELECT n FROM both_views"))
                    .isEqualTo(queryLong(c, "SELECT count(*) FROM shop.\"Order Lines\" WHERE qty > 5"));
            assertThat(queryLong(c, "SELECT watermark FROM duckbridge.sync_state"))
                    .isEqualTo(7);
            assertThat(queryLong(
                            c,
                            "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '"
                                    + BackupRestorer.STAGING_PREFIX + "%' OR schema_name = 'extra'"))
                    .isZero();
            assertThat(queryLong(c, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'stray_view'"))
                    .isZero();
            return null;
        });
        // the constraints came back with the table: key, NOT NULL, CHECK, UNIQUE and the default
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("INSERT INTO shop.\"Order Lines\" (id, sku) VALUES (900000, 'x')");
            }
            return null;
        });
        engine.read(session -> {
            assertThat(queryLong(session.connection(), "SELECT qty FROM shop.\"Order Lines\" WHERE id = 900000"))
                    .isEqualTo(1);
            return null;
        });
        for (String bad : List.of(
                "INSERT INTO shop.\"Order Lines\" (id, sku) VALUES (1, 'duplicate key')",
                "INSERT INTO shop.\"Order Lines\" (id, sku) VALUES (900001, NULL)",
                "INSERT INTO shop.\"Order Lines\" (id, sku, qty) VALUES (900002, 'x', 0)",
                "INSERT INTO shop.\"Order Lines\" (id, sku, note) VALUES (900003, 'x', 'n'), (900004, 'y', 'n')")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.write(session -> {
                        try (Statement st = session.statement()) {
                            st.execute(bad);
                        }
                        return null;
                    }))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            io.duckbridge.core.error.DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(io.duckbridge.core.error.ErrorClass.CONSTRAINT));
        }
    }

    @Test
    void restoresLeaveTheStagingTablesOfARunningSyncAlone() {
        createSmallDatabase();
        BackupManifest plain = backups.create(JobContext.none());
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE INDEX items_name ON items(name)"); // restored on the writer lane, not staged
            }
            return null;
        });
        BackupManifest indexed = backups.create(JobContext.none());
        // a full sync half-way: its staging tables beside the live table and in its staging schema
        String beside = "public.\"" + SnapshotCopier.STAGING_PREFIX + LeftoverTables.newRunId() + "_0\"";
        String staging = CopyIngester.STAGING_SCHEMA + ".\"range_" + LeftoverTables.newRunId() + "\"";
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE " + beside + " AS SELECT i FROM range(42) t(i)");
                st.execute("CREATE SCHEMA IF NOT EXISTS " + CopyIngester.STAGING_SCHEMA);
                st.execute("CREATE TABLE " + staging + " AS SELECT i FROM range(7) t(i)");
                st.execute("DELETE FROM items WHERE id < 500");
            }
            return null;
        });
        for (BackupManifest manifest : List.of(plain, indexed)) {
            RestoreResult result = backups.restore(manifest.id(), JobContext.none());
            assertThat(result.staged()).isEqualTo(manifest == plain);
            engine.read(session -> {
                assertThat(queryLong(session.connection(), "SELECT count(*) FROM " + beside))
                        .isEqualTo(42);
                assertThat(queryLong(session.connection(), "SELECT count(*) FROM " + staging))
                        .isEqualTo(7);
                assertThat(queryLong(session.connection(), "SELECT count(*) FROM items"))
                        .isEqualTo(1000);
                return null;
            });
        }
    }

    @Test
    void aCancelledRestoreDropsItsStagingTablesAndLeavesTheLiveTablesAsTheyWere() throws Exception {
        createSmallDatabase();
        engine.write(session -> {
            try (Statement st = session.statement()) {
                for (int i = 0; i < 6; i++) { // enough to copy that the cancel comes while it runs
                    st.execute("CREATE TABLE big_" + i + " AS SELECT i, md5(i::VARCHAR) AS s FROM range(300000) t(i)");
                }
            }
            return null;
        });
        BackupManifest manifest = backups.create(JobContext.none());
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("DELETE FROM items WHERE id < 500");
            }
            return null;
        });
        String staging = "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '"
                + BackupRestorer.STAGING_PREFIX + "')";
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread restore = Thread.ofPlatform().start(() -> {
            try {
                backups.restore(manifest.id(), JobContext.none());
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        waitUntil(() -> outcome.isDone() || engine.<Long>read(session -> queryLong(session.connection(), staging)) > 0);
        restore.interrupt(); // what cancelling the restore job does
        assertThat(outcome.get(60, TimeUnit.SECONDS))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CANCELLED));
        engine.read(session -> {
            assertThat(queryLong(session.connection(), staging)).isZero();
            assertThat(queryLong(session.connection(), "SELECT count(*) FROM items"))
                    .isEqualTo(500);
            return null;
        });
    }

    @Test
    void aBackupTakenDuringASyncHoldsNoneOfItsStagingTables() throws Exception {
        createSmallDatabase();
        String beside = "public.\"" + SnapshotCopier.STAGING_PREFIX + LeftoverTables.newRunId() + "_0\"";
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE " + beside + " AS SELECT i FROM range(42) t(i)");
                st.execute("CREATE SCHEMA IF NOT EXISTS " + CopyIngester.STAGING_SCHEMA);
                st.execute("CREATE TABLE " + CopyIngester.STAGING_SCHEMA + ".range_0 AS SELECT 1 AS i");
            }
            return null;
        });
        BackupManifest manifest = backups.create(JobContext.none());
        assertThat(manifest.rowCounts()).containsOnlyKeys("items", "shop.customers");
        assertThat(backups.validate(manifest.id(), JobContext.none()).valid()).isTrue();
        Path restored = dataDir.resolve("restored.duckdb");
        BackupService.restoreOffline(
                backups.settings().directory(), manifest.id(), restored, engine.duckdbVersion(), JobContext.none());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + restored)) {
            assertThat(queryLong(
                            c,
                            "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '__duckbridge_')"
                                    + " OR schema_name = '" + CopyIngester.STAGING_SCHEMA + "'"))
                    .isZero();
            assertThat(queryLong(c, "SELECT count(*) FROM items")).isEqualTo(1000);
        }
    }

    @Test
    void aScratchAreaThatCannotBeWrittenIsAnIoErrorAndNoVerdictOnTheBackup() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
        createSmallDatabase();
        BackupManifest manifest = backups.create(JobContext.none());
        // the scratch area is on a file system where nothing can be created (as a read-only or full disk)
        Path scratch = backups.settings().scratchDirectory();
        BackupCatalog.deleteTree(scratch);
        Files.createSymbolicLink(scratch, Path.of("/proc/self"));
        try {
            assertThatThrownBy(() -> backups.validate(manifest.id(), JobContext.none()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.IO));
            assertThatThrownBy(() -> backups.restore(manifest.id(), JobContext.none()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.IO));
            assertThat(backups.lastValidation(manifest.id())).isEmpty();
            assertThat(backups.newestValid()).map(BackupManifest::id).contains(manifest.id());
        } finally {
            Files.delete(scratch);
        }
        assertThat(backups.validate(manifest.id(), JobContext.none()).valid()).isTrue();
    }

    @Test
    void aBackupWhoseScratchFileCannotBeMadeLeavesNoPartialDirectory() throws Exception {
        createSmallDatabase();
        BackupManifest first = backups.create(JobContext.none());
        Path scratch = backups.settings().scratchDirectory();
        BackupCatalog.deleteTree(scratch);
        Files.writeString(scratch, "not a directory");
        assertThatThrownBy(() -> backups.create(JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.IO));
        assertThat(dataDir.resolve("backups").toFile().list()).containsOnly(first.id(), ".scratch");
    }

    @Test
    void stagingTablesOfAnInterruptedRestoreAreDroppedAtStart() {
        createSmallDatabase();
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE shop.\"" + BackupRestorer.STAGING_PREFIX + "1a2b_0\" AS SELECT 1 AS x");
            }
            return null;
        });
        new BackupService(engine, BackupSettings.defaults(dataDir.resolve("backups")));
        engine.read(session -> {
            assertThat(
                            queryLong(
                                    session.connection(),
                                    "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '__duckbridge_restore_')"))
                    .isZero();
            assertThat(queryLong(session.connection(), "SELECT count(*) FROM shop.customers"))
                    .isEqualTo(10);
            return null;
        });
    }

    private void createSmallDatabase() {
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE items AS SELECT i AS id, 'item ' || i AS name FROM range(1000) t(i)");
                st.execute("CREATE SCHEMA shop");
                st.execute("CREATE TABLE shop.customers AS SELECT i AS id FROM range(10) t(i)");
            }
            return null;
        });
    }

    private List<TableChecksum> liveChecksums() {
        return engine.read(session ->
                ContentSummary.checksums(session.connection(), ContentSummary.currentDatabase(session.connection())));
    }

    static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.onSpinWait();
            Thread.sleep(5);
        }
    }
}
