package io.duckbridge.core.error;

/**
 * The class of a Duckbridge failure. Each class maps to exactly one HTTP status in the service
 * (see the HTTP contract) and is derived from DuckDB's error type or PostgreSQL's SQLSTATE, never
 * from English message text.
 */
public enum ErrorClass {
    SYNTAX,
    BINDER,
    READ_ONLY_VIOLATION,
    PERMISSION,
    TIMEOUT,
    CANCELLED,
    OUT_OF_MEMORY,
    CONVERSION,
    CONSTRAINT,
    IO,
    SOURCE_UNAVAILABLE,
    /** The query API's concurrency limit and its queue are full (HTTP 429 with {@code Retry-After}). */
    OVERLOADED,
    CONFLICT,
    NOT_FOUND,
    INVALID_REQUEST,
    INTERNAL
}
