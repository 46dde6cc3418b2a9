package io.duckbridge.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process's or thread's line of Linux's {@code /proc/<pid>/stat} ({@code /proc/<pid>/task/<tid>/stat}):
 * {@code pid (comm) state ppid ...}, where the command name may hold spaces and brackets, so the fields are
 * counted from the last {@code ')'}. Benchmarks read CPU ticks (USER_HZ, 100 per second) from it.
 *
 * @param comm the command (thread) name
 * @param fields the fields after the name: {@code fields[0]} is the state, {@code fields[1]} the parent pid
 */
record ProcStat(String comm, String[] fields) {
    /** Ticks per second of the CPU times in {@code stat} (USER_HZ). */
    static final double TICKS_PER_SECOND = 100;

    /** The stat line of process {@code pid}; empty when it has ended (or this is not Linux). */
    static Optional<ProcStat> of(long pid) {
        try {
            return Optional.of(read(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException ended) {
            return Optional.empty();
        }
    }

    /** Parses the stat file {@code file}. */
    static ProcStat read(Path file) throws IOException {
        String line = Files.readString(file);
        int close = line.lastIndexOf(')');
        return new ProcStat(
                line.substring(line.indexOf('(') + 1, close),
                line.substring(close + 2).split(" "));
    }

    long parent() {
        return Long.parseLong(fields[1]);
    }

    /** User + system CPU ticks of this process or thread itself (stat fields 14 and 15). */
    long ticks() {
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** User + system CPU ticks of its children that ended and were waited for (stat fields 16 and 17). */
    long childTicks() {
        return Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }
}
