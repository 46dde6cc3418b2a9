package io.duckbridge.core.schema;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the values of one column that could not be kept exactly (rounded to the target scale, NaN or
 * infinity stored as NULL) and names the override that would keep them. Thread-safe.
 */
public final class LossyValues {
    private final LongAdder count = new LongAdder();
    private final String override;

    LossyValues(String override) {
        this.override = override;
    }

    void record() {
        count.increment();
    }

    /** How many values were changed since this mapping was made. */
    public long count() {
        return count.sum();
    }

    /** The configuration that would keep these values exactly, e.g. {@code numeric-overrides.public.t.c=VARCHAR}. */
    public String override() {
        return override;
    }
}
