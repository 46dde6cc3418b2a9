package io.duckbridge.core.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a path really leads: the symbolic links of its longest existing leading part resolved, the rest
 * appended. For checks that a file stays inside a directory, which a textual comparison cannot make when a
 * link inside the directory points elsewhere. Stateless.
 */
public final class RealPaths {
    private RealPaths() {}

    /**
     * @return {@code path} with the links of its longest existing part resolved; {@code path} itself when no
     *     part of it exists
     * @throws IOException when an existing part cannot be resolved (a link loop, no permission)
     */
    public static Path of(Path path) throws IOException {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing == null
                ? path
                : existing.toRealPath().resolve(existing.relativize(path)).normalize();
    }

    /** As {@link #of}, or {@code path} itself when it cannot be resolved. */
    public static Path orSelf(Path path) {
        try {
            return of(path);
        } catch (IOException e) {
            return path;
        }
    }
}
