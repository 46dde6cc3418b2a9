package io.duckbridge.core.jobs;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Runs long operations as {@link Job}s on a small pool of named platform threads and remembers the most
 * recent ones for status queries. Thread-safe; {@link #close(Duration)} lets running jobs finish for a grace
 * period before cancelling them, and is idempotent.
 */
public final class JobRunner implements AutoCloseable {
    private final ExecutorService executor;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final int retained;
    private final Duration closeGrace;
    private final List<Consumer<JobSnapshot>> finishListeners = new CopyOnWriteArrayList<>();
    /** Jobs waiting for their lane, by lane; guarded by itself, as is {@link #busyLanes}. */
    private final Map<String, Deque<Runnable>> lanes = new HashMap<>();
    /** Lanes one of whose jobs has been handed to the executor and not ended. */
    private final Set<String> busyLanes = new HashSet<>();

    /**
     * @param workers how many jobs run at once; more wait in the queue
     * @param retained how many finished jobs are remembered
     */
    public JobRunner(int workers, int retained) {
        this(workers, retained, Duration.ZERO);
    }

    /**
     * @param workers how many jobs run at once; more wait in the queue
     * @param retained how many finished jobs are remembered
     * @param closeGrace how long {@link #close()} lets running jobs finish before cancelling them
     */
    public JobRunner(int workers, int retained, Duration closeGrace) {
        this.closeGrace = closeGrace;
        AtomicInteger counter = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "duckbridge-job-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.retained = retained;
    }

    /** Queues {@code body} as a new job and returns it at once. */
    public Job submit(JobKind kind, String description, JobBody body) {
        Job job = register(kind, description);
        job.execution(executor.submit(() -> job.run(body)));
        return job;
    }

    /**
     * Queues {@code body} as a new job that runs only when no other job of {@code lane} runs: the jobs of one lane
     * run one after another, in the order submitted, and one waiting for its turn stays {@code queued} without
     * holding a worker (other jobs run meanwhile). Returns at once.
     */
    public Job submit(JobKind kind, String description, String lane, JobBody body) {
        Job job = register(kind, description);
        // the lane is released once, when a job that was handed to the executor ends — also when it was cancelled
        // before a worker took it (its task then never runs) — never by a job that ended while it waited
        AtomicBoolean handedOver = new AtomicBoolean();
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (handedOver.get() && released.compareAndSet(false, true)) {
                laneDone(lane);
            }
        };
        job.completion().thenRun(release);
        Runnable start = () -> {
            handedOver.set(true);
            if (job.snapshot().status().terminal()) {
                release.run(); // cancelled while it waited for the lane
                return;
            }
            try {
                job.execution(executor.submit(() -> job.run(body)));
            } catch (RejectedExecutionException closed) {
                job.cancel(); // the runner is closing
                release.run();
            }
        };
        boolean now;
        synchronized (lanes) {
            now = busyLanes.add(lane);
            if (!now) {
                lanes.computeIfAbsent(lane, l -> new ArrayDeque<>()).add(start);
            }
        }
        if (now) {
            start.run();
        }
        return job;
    }

    private void laneDone(String lane) {
        Runnable next;
        synchronized (lanes) {
            Deque<Runnable> waiting = lanes.get(lane);
            next = waiting == null ? null : waiting.poll();
            if (next == null) {
                busyLanes.remove(lane);
            }
        }
        if (next != null) {
            next.run();
        }
    }

    private Job register(JobKind kind, String description) {
        Job job = new Job(UUID.randomUUID().toString(), kind, description);
        jobs.put(job.jobId(), job);
        prune();
        job.completion().thenAccept(snapshot -> {
            // a job that ends may put the finished ones over the limit (not only a new one being submitted)
            prune();
            notifyFinished(snapshot);
        });
        return job;
    }

    /**
     * Calls {@code listener} with the final snapshot of every job that ends from now on (on the thread that
     * ended it). For metrics and audit; a listener that throws is logged and ignored.
     */
    public void onFinish(Consumer<JobSnapshot> listener) {
        finishListeners.add(listener);
    }

    private void notifyFinished(JobSnapshot snapshot) {
        for (Consumer<JobSnapshot> listener : finishListeners) {
            try {
                listener.accept(snapshot);
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(JobRunner.class).warn("a job listener failed: {}", e.toString());
            }
        }
    }

    /** The job with this id, if it is still remembered. */
    public Optional<Job> find(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** @throws DuckbridgeException NOT_FOUND when no job has this id */
    public Job get(String id) {
        return find(id).orElseThrow(() -> new DuckbridgeException(ErrorClass.NOT_FOUND, "no job with id " + id));
    }

    /** Remembered jobs, newest first. */
    public List<JobSnapshot> recent() {
        List<JobSnapshot> list =
                new ArrayList<>(jobs.values().stream().map(Job::snapshot).toList());
        list.sort(Comparator.comparing(JobSnapshot::createdAt).reversed());
        return list;
    }

    private void prune() {
        List<JobSnapshot> finished =
                recent().stream().filter(s -> s.status().terminal()).toList();
        for (int i = retained; i < finished.size(); i++) {
            jobs.remove(finished.get(i).id());
        }
    }

    /** {@link #close(Duration)} with the grace period given at construction (none by default). */
    @Override
    public void close() {
        close(closeGrace);
    }

    /**
     * Takes no new jobs, cancels the queued ones, lets the running ones finish for up to {@code grace} (a sync
     * that is nearly done commits instead of being thrown away at shutdown), then cancels what still runs.
     * Idempotent.
     */
    public void close(Duration grace) {
        if (executor.isShutdown()) {
            return;
        }
        executor.shutdown();
        jobs.values().stream()
                .filter(j -> j.snapshot().status() == JobStatus.QUEUED)
                .forEach(Job::cancel);
        try {
            if (!executor.awaitTermination(Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS)) {
                List<Job> running = jobs.values().stream()
                        .filter(j -> !j.snapshot().status().terminal())
                        .toList();
                if (!running.isEmpty()) {
                    LoggerFactory.getLogger(JobRunner.class)
                            .warn(
                                    "cancelling {} job(s) still running after the {} ms shutdown grace period",
                                    running.size(),
                                    grace.toMillis());
                }
                running.forEach(Job::cancel);
                executor.shutdownNow();
                executor.awaitTermination(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            jobs.values().forEach(Job::cancel);
            executor.shutdownNow();
        }
    }
}
