package io.duckbridge.server.cli;

import io.duckbridge.core.jobs.JobContext;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of work run inside the CLI process: a bar redrawn in place on a terminal, a line every few
 * seconds otherwise. Thread-safe (workers of a parallel copy report concurrently).
 */
final class ConsoleProgress implements JobContext {
    private final PrintStream err;
    private final boolean terminal = Terminal.attached();
    private final AtomicLong done = new AtomicLong();
    private volatile long total = -1;
    private volatile String unit = "";
    private volatile long nextDraw;

    ConsoleProgress(PrintStream err) {
        this.err = err;
    }

    @Override
    public String jobId() {
        return "cli";
    }

    @Override
    public void total(long total, String unit) {
        this.total = total;
        this.unit = unit;
    }

    @Override
    public void phase(long total, String unit) {
        this.total = total;
        this.unit = unit;
        done.set(0);
    }

    @Override
    public void advance(long delta) {
        long now = System.nanoTime();
        long value = done.addAndGet(delta);
        if (now >= nextDraw) {
            nextDraw = now + (terminal ? 200_000_000L : 5_000_000_000L);
            draw(value);
        }
    }

    @Override
    public boolean cancelRequested() {
        return Thread.currentThread().isInterrupted();
    }

    @Override
    public void checkCancelled() {}

    void finish() {
        draw(done.get());
        if (terminal) {
            err.println();
        }
    }

    private synchronized void draw(long value) {
        String text = JobWatcher.bar(value, total, unit);
        err.print(terminal ? "\r" + text : text + System.lineSeparator());
        err.flush();
    }
}
