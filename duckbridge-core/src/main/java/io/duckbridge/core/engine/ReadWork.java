package io.duckbridge.core.engine;

/** Work run on a reader connection (or, for {@link WriteWork}, on the writer lane). */
@FunctionalInterface
public interface ReadWork<T> {
    T run(ReadSession session) throws Exception;
}
