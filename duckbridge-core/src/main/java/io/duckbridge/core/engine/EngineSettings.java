package io.duckbridge.core.engine;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How to open and run a {@link DuckDbEngine}. Null means "plan it": {@code memoryLimit} and
 * {@code threads} come from {@link ResourcePlanner}, {@code tempDirectory} is DuckDB's default beside
 * the database file. Validated on construction; every message names the setting and a valid example.
 *
 * @param databasePath the DuckDB file, or {@code :memory:}
 * @param memoryLimit DuckDB {@code memory_limit}: a size ({@code 4GB}) or a share of process memory
 *     ({@code 60%}); null to plan
 * @param threads DuckDB {@code threads}; null to plan from available processors
 * @param tempDirectory where DuckDB spills; null for DuckDB's default
 * @param maxTempDirectorySize cap on spilled data ({@code 20GB}); null for DuckDB's default
 * @param preserveInsertionOrder DuckDB {@code preserve_insertion_order}
 * @param readers size of the reader pool: connections and platform threads; 0 to plan
 * @param readerQueue how many reads may wait for a reader before new ones are refused
 * @param extensions extensions that must load at startup (from {@code extensionDirectory})
 * @param optionalExtensions extensions loaded when present; their absence is reported in health
 * @param extensionDirectory DuckDB {@code extension_directory}; null for DuckDB's default
 * @param closeGracePeriod how long {@code close()} lets running work finish before cancelling it
 * @param sandbox DuckDB's sandbox applied at open (external access limited, configuration locked); null
 *     for none
 */
public record EngineSettings(
        String databasePath,
        String memoryLimit,
        Integer threads,
        Path tempDirectory,
        String maxTempDirectorySize,
        boolean preserveInsertionOrder,
        int readers,
        int readerQueue,
        List<String> extensions,
        List<String> optionalExtensions,
        Path extensionDirectory,
        Duration closeGracePeriod,
        EngineSandbox sandbox) {

    public static final String IN_MEMORY = ":memory:";
    private static final Pattern PERCENT = Pattern.compile("^\\s*(\\d{1,3}(?:\\.\\d+)?)\\s*%\\s*$");
    private static final Pattern EXTENSION_NAME = Pattern.compile("^[a-z][a-z0-9_]*$");

    public EngineSettings {
        if (databasePath == null || databasePath.isBlank()) {
            throw invalid("duckbridge.duckdb.path is empty; use a file such as ./duckbridge-data/analytics.duckdb"
                    + " or :memory:");
        }
        if (memoryLimit != null && !memoryLimit.isBlank()) {
            var percent = PERCENT.matcher(memoryLimit);
            if (percent.matches()) {
                double share = Double.parseDouble(percent.group(1));
                if (share <= 0 || share > 100) {
                    throw invalid("duckbridge.duckdb.memory-limit \"" + memoryLimit
                            + "\" is not a share between 1% and 100%; use e.g. 60% or 4GB");
                }
            } else if (DataSizes.parse("duckbridge.duckdb.memory-limit", memoryLimit) <= 0) {
                throw invalid("duckbridge.duckdb.memory-limit must be positive; use e.g. 4GB or 60%");
            }
        } else {
            memoryLimit = null;
        }
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw invalid("duckbridge.duckdb.threads " + threads + " is out of range; use 1 to 1024, e.g. 4");
        }
        if (maxTempDirectorySize != null && !maxTempDirectorySize.isBlank()) {
            DataSizes.parse("duckbridge.duckdb.max-temp-directory-size", maxTempDirectorySize);
        } else {
            maxTempDirectorySize = null;
        }
        if (readers < 0 || readers > 256) {
            throw invalid("duckbridge.duckdb.readers " + readers + " is out of range; use 1 to 256, or 0 to plan");
        }
        if (readerQueue < 0) {
            throw invalid("duckbridge.duckdb.reader-queue " + readerQueue + " is negative; use e.g. 64");
        }
        extensions = List.copyOf(extensions == null ? List.of() : extensions);
        optionalExtensions = List.copyOf(optionalExtensions == null ? List.of() : optionalExtensions);
        for (String name : concat(extensions, optionalExtensions)) {
            if (!EXTENSION_NAME.matcher(name).matches()) {
                throw invalid("duckbridge.duckdb.extensions entry \"" + name
                        + "\" is not an extension name; use lower-case names such as spatial or httpfs");
            }
        }
        if (closeGracePeriod == null) {
            closeGracePeriod = Duration.ofSeconds(10);
        }
        if (closeGracePeriod.isNegative()) {
            throw invalid("duckbridge.duckdb.close-grace-period is negative; use e.g. 10s");
        }
    }

    /** Settings without a sandbox; see the canonical constructor. */
    public EngineSettings(
            String databasePath,
            String memoryLimit,
            Integer threads,
            Path tempDirectory,
            String maxTempDirectorySize,
            boolean preserveInsertionOrder,
            int readers,
            int readerQueue,
            List<String> extensions,
            List<String> optionalExtensions,
            Path extensionDirectory,
            Duration closeGracePeriod) {
        this(
                databasePath,
                memoryLimit,
                threads,
                tempDirectory,
                maxTempDirectorySize,
                preserveInsertionOrder,
                readers,
                readerQueue,
                extensions,
                optionalExtensions,
                extensionDirectory,
                closeGracePeriod,
                null);
    }

    /** Settings for {@code databasePath} with everything else planned or at its default. */
    public static EngineSettings defaults(String databasePath) {
        return new EngineSettings(
                databasePath, null, null, null, null, true, 0, 64, List.of(), List.of(), null, Duration.ofSeconds(10));
    }

    public EngineSettings withMemoryLimit(String value) {
        return toBuilder().memoryLimit(value).build();
    }

    public EngineSettings withThreads(Integer value) {
        return toBuilder().threads(value).build();
    }

    public EngineSettings withReaders(int value, int queue) {
        return toBuilder().readers(value).readerQueue(queue).build();
    }

    public EngineSettings withCloseGracePeriod(Duration value) {
        return toBuilder().closeGracePeriod(value).build();
    }

    public EngineSettings withExtensions(List<String> required, List<String> optional, Path directory) {
        return toBuilder()
                .extensions(required)
                .optionalExtensions(optional)
                .extensionDirectory(directory)
                .build();
    }

    public EngineSettings withSandbox(EngineSandbox value) {
        return toBuilder().sandbox(value).build();
    }

    /** A builder starting from these settings; {@link Builder#build()} validates again. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.databasePath = databasePath;
        b.memoryLimit = memoryLimit;
        b.threads = threads;
        b.tempDirectory = tempDirectory;
        b.maxTempDirectorySize = maxTempDirectorySize;
        b.preserveInsertionOrder = preserveInsertionOrder;
        b.readers = readers;
        b.readerQueue = readerQueue;
        b.extensions = extensions;
        b.optionalExtensions = optionalExtensions;
        b.extensionDirectory = extensionDirectory;
        b.closeGracePeriod = closeGracePeriod;
        b.sandbox = sandbox;
        return b;
    }

    /** Mutable settings for building a validated {@link EngineSettings}. Not thread-safe. */
    public static final class Builder {
        private String databasePath;
        private String memoryLimit;
        private Integer threads;
        private Path tempDirectory;
        private String maxTempDirectorySize;
        private boolean preserveInsertionOrder;
        private int readers;
        private int readerQueue;
        private List<String> extensions;
        private List<String> optionalExtensions;
        private Path extensionDirectory;
        private Duration closeGracePeriod;
        private EngineSandbox sandbox;

        private Builder() {}

        public Builder databasePath(String value) {
            this.databasePath = value;
            return this;
        }

        public Builder memoryLimit(String value) {
            this.memoryLimit = value;
            return this;
        }

        public Builder threads(Integer value) {
            this.threads = value;
            return this;
        }

        public Builder tempDirectory(Path value) {
            this.tempDirectory = value;
            return this;
        }

        public Builder maxTempDirectorySize(String value) {
            this.maxTempDirectorySize = value;
            return this;
        }

        public Builder preserveInsertionOrder(boolean value) {
            this.preserveInsertionOrder = value;
            return this;
        }

        public Builder readers(int value) {
            this.readers = value;
            return this;
        }

        public Builder readerQueue(int value) {
            this.readerQueue = value;
            return this;
        }

        public Builder extensions(List<String> value) {
            this.extensions = value;
            return this;
        }

        public Builder optionalExtensions(List<String> value) {
            this.optionalExtensions = value;
            return this;
        }

        public Builder extensionDirectory(Path value) {
            this.extensionDirectory = value;
            return this;
        }

        public Builder closeGracePeriod(Duration value) {
            this.closeGracePeriod = value;
            return this;
        }

        public Builder sandbox(EngineSandbox value) {
            this.sandbox = value;
            return this;
        }

        public EngineSettings build() {
            return new EngineSettings(
                    databasePath,
                    memoryLimit,
                    threads,
                    tempDirectory,
                    maxTempDirectorySize,
                    preserveInsertionOrder,
                    readers,
                    readerQueue,
                    extensions,
                    optionalExtensions,
                    extensionDirectory,
                    closeGracePeriod,
                    sandbox);
        }
    }

    public boolean inMemory() {
        return IN_MEMORY.equals(databasePath);
    }

    /** The memory limit in bytes, resolving a percentage or a planned default with {@code planner}. */
    long resolveMemoryLimit(ResourcePlanner planner) {
        if (memoryLimit == null) {
            return planner.plannedMemoryLimit();
        }
        var percent = PERCENT.matcher(memoryLimit);
        if (percent.matches()) {
            return (long) (planner.processMemory() * Double.parseDouble(percent.group(1)) / 100.0);
        }
        return DataSizes.parse("duckbridge.duckdb.memory-limit", memoryLimit.toLowerCase(Locale.ROOT));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static DuckbridgeException invalid(String message) {
        return new DuckbridgeException(ErrorClass.INVALID_REQUEST, message);
    }
}
