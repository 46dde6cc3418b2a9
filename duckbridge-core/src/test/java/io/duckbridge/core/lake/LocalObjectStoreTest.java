package io.duckbridge.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest {
    @TempDir
    Path dir;

    @Test
    void storesVerifiedCopiesAndListsThem() throws IOException {
        var store = new LocalObjectStore(dir.resolve("root"));
        Path source = Files.writeString(dir.resolve("src.txt"), "hello");
        StoredObject stored = store.put("a/b/file.txt", source);
        assertThat(stored.sizeBytes()).isEqualTo(5);
        assertThat(stored.sha256()).isEqualTo(Digests.sha256("hello".getBytes(StandardCharsets.UTF_8)));
        assertThat(Files.readString(dir.resolve("root/a/b/file.txt"))).isEqualTo("hello");
        assertThat(source).exists();

        store.putAll(Map.of("c.txt", source));
        store.write("_p.json", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(store.list("").stream().map(StoredObject::key)).containsExactly("_p.json", "a/b/file.txt", "c.txt");
        assertThat(store.read("_p.json")).isPresent();
        assertThat(store.read("nope")).isEmpty();

        store.get("a/b/file.txt", dir.resolve("out/x.txt"));
        assertThat(Files.readString(dir.resolve("out/x.txt"))).isEqualTo("hello");

        store.delete(List.of("a/b/file.txt", "missing"));
        assertThat(dir.resolve("root/a")).doesNotExist();
        assertThatThrownBy(() -> store.get("a/b/file.txt", dir.resolve("y")))
                .isInstanceOf(DuckbridgeException.class)
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.NOT_FOUND);
    }

    @Test
    void putAllSyncsEachDirectoryItWroteIntoOnceAfterTheFilesAndBeforeItReturns() throws IOException {
        var disk = new RecordingDiskSync();
        Path root = dir.resolve("root");
        var store = new LocalObjectStore(root, disk);
        Path source = Files.writeString(dir.resolve("src.txt"), "hello");
        Map<String, Path> files = new LinkedHashMap<>();
        for (String partition : List.of("a=1/b=x", "a=1/b=y", "a=2/b=x")) {
            for (int i = 0; i < 3; i++) {
                files.put("v=1/" + partition + "/data_" + i + ".parquet", source);
            }
        }

        store.putAll(files);

        List<RecordingDiskSync.Synced> synced = disk.synced();
        assertThat(synced.subList(0, 9)).noneMatch(RecordingDiskSync.Synced::directory);
        // each directory once, deepest first, up to the one the root was created in
        assertThat(synced.subList(9, synced.size()).stream().map(RecordingDiskSync.Synced::path))
                .containsExactly(
                        root.resolve("v=1/a=1/b=x"),
                        root.resolve("v=1/a=1/b=y"),
                        root.resolve("v=1/a=2/b=x"),
                        root.resolve("v=1/a=1"),
                        root.resolve("v=1/a=2"),
                        root.resolve("v=1"),
                        root,
                        dir);
    }

    @Test
    void rejectsKeysThatLeaveTheRoot() {
        var store = new LocalObjectStore(dir);
        assertThatThrownBy(() -> store.read("../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.read("/abs")).isInstanceOf(IllegalArgumentException.class);
    }
}
