package io.duckbridge.core.lake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Requests of one upload on one of the storage's pools, and how they stop so that nothing is left on its way.
 * A multipart upload must not be aborted while a part is still being sent: the server may hold the part's body
 * already and store it after the abort, where no listing finds it (S3 documents the same). {@link #stop} marks the
 * tasks stopped — those not started do not run — and waits until none runs; for part requests the running ones
 * are let finish, for whole files they are interrupted (each then stops its own parts and aborts its own upload).
 * Tasks are submitted and awaited by one thread; {@link #stop} and {@link #ifOpen} may be called from any.
 * Thread-safe as described.
 */
final class SettlingTasks<T> {
    private final ExecutorService pool;
    private final List<Future<T>> futures = new ArrayList<>();
    /** Set by {@link #stop} and {@link #completed}; guarded by {@code this}. */
    private boolean closed;
    /** Submitted tasks that have not ended (run or skipped); guarded by {@code this}. */
    private int pending;
    /** The threads running a task now; guarded by {@code this}. */
    private final Set<Thread> running = new HashSet<>();

    SettlingTasks(ExecutorService pool) {
        this.pool = pool;
    }

    /**
     * Submits a task. Once stopped, a task that has not started does not run: {@code onSkip} runs instead (to give
     * back what was reserved for it).
     *
     * @throws RejectedExecutionException when the pool is shut down
     */
    void submit(Callable<T> task, Runnable onSkip) {
        synchronized (this) {
            pending++;
        }
        try {
            futures.add(pool.submit(() -> {
                boolean skip;
                synchronized (this) {
                    skip = closed;
                    if (!skip) {
                        running.add(Thread.currentThread());
                    }
                }
                try {
                    if (skip) {
                        onSkip.run();
                        throw new CancellationException("the upload was stopped");
                    }
                    return task.call();
                } finally {
                    synchronized (this) {
                        running.remove(Thread.currentThread());
                        pending--;
                        notifyAll();
                    }
                }
            }));
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                pending--;
            }
            throw e;
        }
    }

    int size() {
        return futures.size();
    }

    /** Waits for every task and returns the results in order; the first failure is thrown. */
    List<T> await() throws InterruptedException, ExecutionException {
        List<T> results = new ArrayList<>(futures.size());
        for (Future<T> f : futures) {
            results.add(f.get());
        }
        return results;
    }

    /** The failure of a task that has already failed, or null; does not wait. */
    Throwable firstFailure() {
        for (Future<T> f : futures) {
            if (f.state() == Future.State.FAILED) {
                return f.exceptionNow();
            }
        }
        return null;
    }

    /** Runs {@code action} unless the tasks were stopped, atomically with {@link #stop}; whether it ran. */
    synchronized boolean ifOpen(Runnable action) {
        if (closed) {
            return false;
        }
        action.run();
        return true;
    }

    /** Marks the work completed: a later {@link #stop} does nothing. */
    synchronized void completed() {
        closed = true;
    }

    /**
     * Stops the tasks: those not started are skipped; running ones finish, or are interrupted when {@code
     * interruptRunning}. Waits until none runs, at most {@code limit} (or until the pool is shut down), with the
     * caller's interrupt set aside (a cancelled job stops its upload too) and restored after.
     *
     * @return false when the tasks were already stopped or completed (nothing to abort)
     */
    boolean stop(Duration limit, boolean interruptRunning) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            if (interruptRunning) {
                running.forEach(Thread::interrupt);
            }
        }
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            synchronized (this) {
                while (pending > 0 && !pool.isShutdown()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        // in slices: a pool shut down meanwhile never runs its queued tasks
                        TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
    }
}
