package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the pointer and manifests of an export target and removes versions nobody points at. Stateless. */
final class Publications {
    private static final Logger log = LoggerFactory.getLogger(Publications.class);

    private Publications() {}

    /**
     * The target's pointer, or empty when it has none.
     *
     * @throws DuckbridgeException IO when there is a pointer Duckbridge cannot follow (see {@link
     *     #unreadablePointer})
     */
    static Optional<ExportManifest.Pointer> pointer(ObjectStore store) {
        return store.read(ExportManifest.POINTER)
                .map(bytes -> ExportManifest.readPointer(bytes)
                        .orElseThrow(() -> unreadablePointer(
                                store,
                                "import one of its version directories instead, or export to it with mode overwrite,"
                                        + " which replaces the pointer")));
    }

    /** IO: the pointer of {@code store} is damaged or not Duckbridge's; {@code fix} says what to do. */
    static DuckbridgeException unreadablePointer(ObjectStore store, String fix) {
        return new DuckbridgeException(
                ErrorClass.IO,
                "the pointer " + store.uri(ExportManifest.POINTER) + " cannot be read: it is not a Duckbridge pointer"
                        + " (JSON naming a version and its manifest); " + fix);
    }

    /**
     * A pointer to the newest version that was published completely (it has {@code _SUCCESS}), or empty when there
     * is none: what the pointer most likely named when it cannot be read any more.
     */
    static Optional<ExportManifest.Pointer> newestPublished(ObjectStore store) {
        return store.list("v=").stream()
                .map(StoredObject::key)
                .filter(k -> k.endsWith("/" + ExportManifest.SUCCESS)
                        && k.indexOf('/') == k.length() - ExportManifest.SUCCESS.length() - 1)
                .map(k -> k.substring(0, k.indexOf('/')))
                .max(String::compareTo)
                .map(v -> new ExportManifest.Pointer(v, v + "/" + ExportManifest.MANIFEST, null, null));
    }

    /** The manifest {@code pointer} points at, from {@code manifests} when it was read before. */
    static ExportManifest manifest(
            ObjectStore store, ExportManifest.Pointer pointer, Map<String, ExportManifest> manifests) {
        return read(store, pointer.manifest(), manifests)
                .orElseThrow(() -> new DuckbridgeException(
                        ErrorClass.IO,
                        store.uri(ExportManifest.POINTER) + " points at " + pointer.manifest() + ", which is missing"));
    }

    static ExportManifest manifest(ObjectStore store, ExportManifest.Pointer pointer) {
        return manifest(store, pointer, new HashMap<>());
    }

    /** The manifest at {@code key}: from {@code manifests}, or read and added there; empty when there is none. */
    private static Optional<ExportManifest> read(ObjectStore store, String key, Map<String, ExportManifest> manifests) {
        ExportManifest known = manifests.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<ExportManifest> read = store.read(key).map(bytes -> ExportManifest.parse(store.uri(key), bytes));
        read.ifPresent(m -> manifests.put(key, m));
        return read;
    }

    /**
     * Deletes every {@code v=...} version directory that neither the pointer's version, its manifest's files,
     * nor the previous version (kept for readers still on it) needs: versions replaced long ago and versions
     * interrupted exports left without a manifest or pointer. On S3 it also aborts unfinished multipart uploads
     * of such versions (a killed export's).
     *
     * @param manifests manifests already at hand, by key; the ones this reads are added, so a later call (or the
     *     caller) does not fetch them again
     */
    static void removeUnreferenced(
            ObjectStore store, Optional<ExportManifest.Pointer> pointer, Map<String, ExportManifest> manifests) {
        removeUnreferenced(store, pointer, manifests, true);
    }

    /**
     * As {@link #removeUnreferenced(ObjectStore, Optional, Map)} right after this process published {@code
     * pointer}, having cleaned up before its export: only the version the new pointer no longer keeps is left to
     * delete. Unfinished multipart uploads are not looked for again; the clean-up before the export aborted those
     * of killed exports, and this export's own uploads are complete.
     */
    static void removeReplaced(
            ObjectStore store, ExportManifest.Pointer pointer, Map<String, ExportManifest> manifests) {
        removeUnreferenced(store, Optional.of(pointer), manifests, false);
    }

    private static void removeUnreferenced(
            ObjectStore store,
            Optional<ExportManifest.Pointer> pointer,
            Map<String, ExportManifest> manifests,
            boolean abortIncomplete) {
        Set<String> keep = new HashSet<>();
        boolean knowsEveryFile = true;
        if (pointer.isPresent()) {
            ExportManifest.Pointer p = pointer.get();
            keep.add(p.version());
            knowsEveryFile = manifestVersions(store, p.manifest(), manifests, keep);
            if (p.previousVersion() != null) {
                keep.add(p.previousVersion());
                knowsEveryFile &=
                        manifestVersions(store, p.previousVersion() + "/" + ExportManifest.MANIFEST, manifests, keep);
            }
        }
        List<String> doomed = new ArrayList<>();
        for (StoredObject o : store.list("v=")) {
            int slash = o.key().indexOf('/');
            String version = slash < 0 ? o.key() : o.key().substring(0, slash);
            if (!keep.contains(version)) {
                doomed.add(o.key());
            }
        }
        if (abortIncomplete && store instanceof S3BucketStore s3) {
            int aborted = s3.abortIncompleteUploads("v=", key -> {
                int slash = key.indexOf('/');
                return keep.contains(slash < 0 ? key : key.substring(0, slash));
            });
            if (aborted > 0) {
                log.info(
                        "aborted {} unfinished multipart uploads of interrupted exports under {}",
                        aborted,
                        store.uri(""));
            }
        }
        if (!knowsEveryFile) {
            // an appended version's files may lie in any earlier version: delete nothing while a manifest that
            // says which is damaged (it leaves the pointer's reach two exports later and is removed then)
            log.warn(
                    "keeping {} objects of earlier exports under {}: a manifest the pointer keeps is damaged, so"
                            + " which of them it needs is unknown",
                    doomed.size(),
                    store.uri(""));
            return;
        }
        if (!doomed.isEmpty()) {
            log.info("removing {} objects of old or interrupted exports under {}", doomed.size(), store.uri(""));
            store.delete(doomed);
        }
    }

    /**
     * Adds the versions holding the files of the manifest at {@code manifestKey} to {@code keep}; false when that
     * manifest is damaged ({@link ExportManifest#parse}), so its files are unknown.
     */
    private static boolean manifestVersions(
            ObjectStore store, String manifestKey, Map<String, ExportManifest> manifests, Set<String> keep) {
        Optional<ExportManifest> manifest;
        try {
            manifest = read(store, manifestKey, manifests);
        } catch (ExportManifest.Damaged damaged) {
            return false;
        }
        manifest.ifPresent(m -> {
            for (ExportManifest.File f : m.files()) {
                int slash = f.path().indexOf('/');
                if (slash > 0) {
                    keep.add(f.path().substring(0, slash));
                }
            }
        });
        return true;
    }
}
