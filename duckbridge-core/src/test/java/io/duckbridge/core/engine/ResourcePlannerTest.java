package io.duckbridge.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourcePlannerTest {
    @TempDir
    Path cgroup;

    @Test
    void plansFromTheCgroupV2LimitMinusHeapAndReserve() throws Exception {
        Files.writeString(cgroup.resolve("memory.max"), "8589934592\n"); // 8 GiB container
        var planner = new ResourcePlanner(cgroup, 64L << 30, 2L << 30, 4);
        assertThat(planner.processMemory()).isEqualTo(8L << 30);
        // 8 GiB - 2 GiB heap - 10% reserve (819.2 MiB)
        assertThat(planner.plannedMemoryLimit()).isEqualTo((8L << 30) - (2L << 30) - (8L << 30) / 10);
        assertThat(planner.plannedThreads()).isEqualTo(4);
    }

    @Test
    void unlimitedCgroupFallsBackToPhysicalMemory() throws Exception {
        Files.writeString(cgroup.resolve("memory.max"), "max\n");
        var planner = new ResourcePlanner(cgroup, 16L << 30, 4L << 30, 2);
        assertThat(planner.processMemory()).isEqualTo(16L << 30);
    }

    @Test
    void readsTheCgroupV1Limit() throws Exception {
        Files.createDirectories(cgroup.resolve("memory"));
        Files.writeString(cgroup.resolve("memory/memory.limit_in_bytes"), "4294967296\n");
        var planner = new ResourcePlanner(cgroup, 64L << 30, 1L << 30, 2);
        assertThat(planner.processMemory()).isEqualTo(4L << 30);
    }

    @Test
    void tinyContainerStillGetsTheMinimum() throws Exception {
        Files.writeString(cgroup.resolve("memory.max"), Long.toString(512L << 20));
        var planner = new ResourcePlanner(cgroup, 64L << 30, 1L << 30, 1);
        assertThat(planner.plannedMemoryLimit()).isEqualTo(ResourcePlanner.MIN_MEMORY_LIMIT);
    }

    @Test
    void percentageIsTakenOfProcessMemory() throws Exception {
        Files.writeString(cgroup.resolve("memory.max"), Long.toString(10L << 30));
        var planner = new ResourcePlanner(cgroup, 64L << 30, 1L << 30, 1);
        var settings = EngineSettings.defaults(":memory:").withMemoryLimit("50%");
        assertThat(settings.resolveMemoryLimit(planner)).isEqualTo(5L << 30);
    }
}
