package io.duckbridge.core.lake;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The lake feature's entry point: exports and imports as jobs, and a health summary. Wraps a
 * {@link ParquetExporter}, a {@link ParquetImporter} and the {@link ObjectStores}; it does not own the
 * engine, the job runner or the S3 storage (whoever made them closes them). Thread-safe.
 */
public final class Lake {
    private final ParquetExporter exporter;
    private final ParquetImporter importer;
    private final ObjectStores stores;
    private final JobRunner jobs;
    /**
     * Export jobs submitted and not ended, by target ({@link LakeLocation#toString()}): from before the job exists
     * until after its export let go of the target, queued ones included. Guarded by itself.
     */
    private final Map<String, Integer> submittedTargets = new HashMap<>();

    /**
     * Creates the lake on {@code engine} and removes what a killed import left (its staging table in the
     * database, its downloaded files); this process's own imports are not touched.
     *
     * @param s3 the S3 connection, or null when object storage is not configured
     * @param queryCheck decides whether a query may be exported; null refuses query exports
     */
    public Lake(DuckDbEngine engine, JobRunner jobs, LakeSettings settings, S3Storage s3, ReadOnlyCheck queryCheck) {
        this.stores = new ObjectStores(settings, s3);
        this.exporter = new ParquetExporter(engine, settings, stores, queryCheck);
        this.importer = new ParquetImporter(engine, settings, stores);
        this.jobs = jobs;
        importer.removeLeftovers();
    }

    /**
     * Queues an export; the job's result is {@link ExportResult#toMap()}. A query the guard refuses is refused
     * here, before a job exists, as {@code POST /api/v1/query} refuses it (the job checks it again), and so are a
     * target this lake cannot open and a table, query, order or partition column DuckDB cannot bind. An export to
     * a target another export holds when it runs fails CONFLICT.
     *
     * @throws io.duckbridge.core.error.DuckbridgeException READ_ONLY_VIOLATION, SYNTAX or INVALID_REQUEST for a
     *     query that may not be exported; BINDER for an unknown table or column; INVALID_REQUEST for a bad
     *     bucket name or object storage that is not configured
     */
    public Job submitExport(ExportRequest request) {
        return submitExport(request, false).orElseThrow();
    }

    /**
     * {@link #submitExport}, unless an export job to the same target is queued or running, or an export outside a
     * job writes it: then no job is created and the answer is empty. For schedules, whose job would only fail
     * CONFLICT. The check and the submission are one step against other jobs submitted through this lake; an export
     * run directly ({@link #export}) that takes the target just after the check still makes the job fail CONFLICT.
     *
     * @throws io.duckbridge.core.error.DuckbridgeException as {@link #submitExport}
     */
    public Optional<Job> submitExportUnlessTargetBusy(ExportRequest request) {
        return submitExport(request, true);
    }

    private Optional<Job> submitExport(ExportRequest request, boolean unlessBusy) {
        exporter.checkTarget(request);
        exporter.checkSource(request);
        String target = request.location().toString();
        synchronized (submittedTargets) {
            if (unlessBusy && (submittedTargets.containsKey(target) || exporter.exporting(request.location()))) {
                return Optional.empty();
            }
            submittedTargets.merge(target, 1, Integer::sum);
        }
        Job job;
        try {
            job = jobs.submit(
                    JobKind.EXPORT,
                    "export to " + request.target(),
                    context -> export(request, context).toMap());
        } catch (RuntimeException | Error e) {
            released(target);
            throw e;
        }
        // the job's completion comes after its body returned, so after the export let go of the target
        job.completion().whenComplete((snapshot, failure) -> released(target));
        return Optional.of(job);
    }

    private void released(String target) {
        synchronized (submittedTargets) {
            submittedTargets.computeIfPresent(target, (t, n) -> n == 1 ? null : n - 1);
        }
    }

    /**
     * Queues an import; the job's result is {@link ImportResult#toMap()}. A source this lake cannot open, or a mode
     * that does not fit the target table, is refused here, before a job exists.
     *
     * @throws io.duckbridge.core.error.DuckbridgeException INVALID_REQUEST for a bad bucket name or object storage
     *     that is not configured, CONFLICT for mode create into a table that exists, NOT_FOUND for mode append
     *     to a table that does not
     */
    public Job submitImport(ImportRequest request) {
        importer.openBase(request);
        importer.checkTarget(request);
        return jobs.submit(
                JobKind.IMPORT,
                "import of " + request.source() + " into " + request.table(),
                context -> importParquet(request, context).toMap());
    }

    public ExportResult export(ExportRequest request, JobContext context) {
        return exporter.export(request, context);
    }

    public ImportResult importParquet(ImportRequest request, JobContext context) {
        return importer.importParquet(request, context);
    }

    public ObjectStores stores() {
        return stores;
    }

    /**
     * Which path object storage uses and whether it answers: {@code path} is {@code sdk} (AWS SDK, files
     * staged locally) when S3 is configured, {@code none} otherwise; {@code httpfs} is never used because
     * DuckDB's httpfs extension cannot be installed everywhere.
     *
     * @param bucket a bucket to probe, or null to only report the configuration
     */
    public Map<String, Object> health(String bucket) {
        Map<String, Object> details = new LinkedHashMap<>();
        S3Storage s3 = stores.s3();
        details.put("path", s3 == null ? "none" : "sdk");
        details.put("localExports", stores.settings().exportsDir().toString());
        if (s3 != null) {
            details.put(
                    "endpoint",
                    s3.settings().endpoint() == null
                            ? "aws"
                            : s3.settings().endpoint().toString());
            details.put("region", s3.settings().region());
            details.put("credentials", s3.credentialSource());
            if (bucket != null) {
                try {
                    s3.store(bucket, "").checkAccess();
                    details.put("reachable", true);
                } catch (RuntimeException e) {
                    details.put("reachable", false);
                    details.put("error", e.getMessage());
                }
            }
        }
        return details;
    }
}
