package io.duckbridge.server.cli;

import io.duckbridge.core.jobs.JobContext;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of work run inside the CLI process: a bar redrawn in place on a terminal; otherwise a line every 5 s
 * (the first after 5 s) and, from {@link #finish()}, a last line with the final count
 * ({@code succeeded 1500000/1500000 rows}), as {@link JobWatcher} prints for a job on a server. Thread-safe
 * (workers of a parallel copy report concurrently).
 */
final class ConsoleProgress implements JobContext {
    private final PrintStream err;
    private final boolean terminal = Terminal.attached();
    private final AtomicLong done = new AtomicLong();
    private volatile long total = -1;
    private volatile String unit = "";
    private volatile long nextDraw = System.nanoTime() + (terminal ? 0 : JobWatcher.LINE_INTERVAL_NANOS);

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
        if (now - nextDraw >= 0) {
            nextDraw = now + (terminal ? 200_000_000L : JobWatcher.LINE_INTERVAL_NANOS);
            draw(value);
        }
    }

    @Override
    public boolean cancelRequested() {
        return Thread.currentThread().isInterrupted();
    }

    @Override
    public void checkCancelled() {}

    /** Ends the progress after the work succeeded: the bar's last state, or the final line. */
    synchronized void finish() {
        if (terminal) {
            draw(done.get());
            err.println();
        } else {
            err.println(JobWatcher.finalLine("succeeded", done.get(), total, unit));
        }
        err.flush();
    }

    private synchronized void draw(long value) {
        String text = JobWatcher.bar(value, total, unit);
        err.print(terminal ? "\r" + text : text + System.lineSeparator());
        err.flush();
    }
}
