package io.duckbridge.core.engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Plans DuckDB's memory and threads from what this process may really use: the container's memory
 * limit (cgroup v2, then v1), else physical RAM, minus the JVM's maximum heap and a reserve for
 * metaspace, thread stacks and direct buffers. The JVM heap and DuckDB's native memory share one
 * container, so planning from host RAM would let the kernel kill the process. Thread-safe (immutable).
 */
public final class ResourcePlanner {
    /** DuckDB never gets less than this, even on a tiny container. */
    static final long MIN_MEMORY_LIMIT = 128L << 20;

    private final Path cgroupRoot;
    private final long physicalMemory;
    private final long maxHeap;
    private final int processors;

    /** A planner reading this machine: {@code /sys/fs/cgroup}, the OS bean, {@code Runtime}. */
    public static ResourcePlanner forThisProcess() {
        long physical = Long.MAX_VALUE;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            physical = os.getTotalMemorySize();
        }
        return new ResourcePlanner(
                Path.of("/sys/fs/cgroup"),
                physical,
                Runtime.getRuntime().maxMemory(),
                Runtime.getRuntime().availableProcessors());
    }

    ResourcePlanner(Path cgroupRoot, long physicalMemory, long maxHeap, int processors) {
        this.cgroupRoot = cgroupRoot;
        this.physicalMemory = physicalMemory;
        this.maxHeap = maxHeap;
        this.processors = processors;
    }

    /** The memory this process may use: the cgroup limit when one is set, else physical RAM. */
    public long processMemory() {
        return cgroupLimit().map(limit -> Math.min(limit, physicalMemory)).orElse(physicalMemory);
    }

    /** The reserve kept for the JVM outside its heap: 10% of process memory, at least 256 MiB. */
    public long reserve() {
        return Math.max(256L << 20, processMemory() / 10);
    }

    /** The planned DuckDB {@code memory_limit} in bytes. */
    public long plannedMemoryLimit() {
        long planned = processMemory() - maxHeap - reserve();
        return Math.max(MIN_MEMORY_LIMIT, planned);
    }

    /** The planned DuckDB thread count: the processors this process may use. */
    public int plannedThreads() {
        return Math.max(1, processors);
    }

    Optional<Long> cgroupLimit() {
        // cgroup v2: one unified file, "max" when unlimited
        Optional<Long> v2 = readLimit(cgroupRoot.resolve("memory.max"));
        if (v2.isPresent()) {
            return v2;
        }
        // cgroup v1: a huge number (close to Long.MAX_VALUE, page aligned) when unlimited
        return readLimit(cgroupRoot.resolve("memory").resolve("memory.limit_in_bytes"))
                .filter(limit -> limit < (1L << 60));
    }

    private static Optional<Long> readLimit(Path file) {
        try {
            if (!Files.isReadable(file)) {
                return Optional.empty();
            }
            String text = Files.readString(file).strip();
            if (text.isEmpty() || text.equals("max")) {
                return Optional.empty();
            }
            return Optional.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
