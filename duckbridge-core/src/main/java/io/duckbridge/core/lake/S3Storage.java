package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A connection to S3-compatible storage through the AWS SDK for Java v2: one S3 client and the thread pools
 * that upload files and multipart parts in parallel. Hands out {@link ObjectStore}s for bucket/prefix pairs,
 * which share the client.
 *
 * <p>Integrity: every part and every small object is sent with {@code Content-MD5}, so the server refuses a
 * corrupted body; a file sent in one PUT is streamed from disk while its MD5 is computed and checked against the
 * ETag the server answers with (with {@code Content-MD5} computed first where the server's ETags are not MD5s). Each
 * object carries its SHA-256 as metadata ({@code x-amz-meta-sha256}) and is checked after the upload by size and
 * SHA-256 or ETag. Request bodies are not signed ({@link UnsignedPayloadSigV4}, also over plain HTTP, where the SDK
 * would sign each body's SHA-256 and make the server buffer every body to check it); {@code Content-MD5} is one of
 * the signed headers. The SDK's newer flexible checksums (CRC trailers) are only sent when an operation requires
 * them, because many S3-compatible servers refuse them, and {@code aws-chunked} bodies are off.
 *
 * <p>Every request goes through the {@link StoragePolicy} (retry with backoff inside a circuit breaker) when one
 * is given; the SDK's own retries are then off, so each attempt is counted once.
 *
 * <p>Thread-safe. {@link #close()} closes the client and the pools and is idempotent.
 */
public final class S3Storage implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(S3Storage.class);

    private final S3Settings settings;
    private final AwsCredentialsProvider credentials;
    private final S3Client client;
    private final ExecutorService files;
    private final ExecutorService parts;
    private final Semaphore partBuffers;
    private final StoragePolicy policy;
    private final String endpointName;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean md5Etags = true;

    private S3Storage(S3Settings settings, AwsCredentialsProvider credentials, StoragePolicy policy) {
        this.settings = settings;
        this.credentials = credentials;
        this.policy = policy == null ? StoragePolicy.none() : policy;
        this.endpointName = settings.endpoint() == null
                ? "AWS S3 (" + settings.region() + ")"
                : settings.endpoint().toString();
        var builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyleAccess())
                .credentialsProvider(credentials)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(
                        S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .putAuthScheme(new UnsignedPayloadSigV4())
                .overrideConfiguration(c -> {
                    c.apiCallAttemptTimeout(settings.timeout());
                    if (!this.policy.sdkRetries()) {
                        c.retryStrategy(AwsRetryStrategy.doNotRetry());
                    }
                });
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        this.client = builder.build();
        this.files = pool("duckbridge-s3-file-", Math.max(1, settings.maxConcurrency() / 2));
        this.parts = pool("duckbridge-s3-part-", settings.maxConcurrency());
        this.partBuffers = new Semaphore(settings.maxConcurrency());
    }

    /** Credentials from the default chain, or from {@code settings.profile()} when it is set. */
    public static S3Storage open(S3Settings settings) {
        AwsCredentialsProvider provider = settings.profile() == null
                ? DefaultCredentialsProvider.builder().build()
                : ProfileCredentialsProvider.create(settings.profile());
        return new S3Storage(settings, provider, null);
    }

    /** As {@link #open(S3Settings)}, with every request sent under {@code policy}. */
    public static S3Storage open(S3Settings settings, StoragePolicy policy) {
        AwsCredentialsProvider provider = settings.profile() == null
                ? DefaultCredentialsProvider.builder().build()
                : ProfileCredentialsProvider.create(settings.profile());
        return new S3Storage(settings, provider, policy);
    }

    /** Credentials from {@code credentials}, for embedding applications and tests that manage their own. */
    public static S3Storage open(S3Settings settings, AwsCredentialsProvider credentials) {
        return new S3Storage(settings, credentials, null);
    }

    /** As {@link #open(S3Settings, AwsCredentialsProvider)}, with every request sent under {@code policy}. */
    public static S3Storage open(S3Settings settings, AwsCredentialsProvider credentials, StoragePolicy policy) {
        return new S3Storage(settings, credentials, policy);
    }

    /** The policy requests are sent under ({@link StoragePolicy#none()} when none was given). */
    public StoragePolicy policy() {
        return policy;
    }

    /** The store for {@code s3://bucket/prefix}; {@code prefix} may be empty. */
    public ObjectStore store(String bucket, String prefix) {
        ensureOpen();
        return new S3BucketStore(this, bucket, prefix);
    }

    /**
     * Whether the server answers a single PUT with the hex MD5 of the stored bytes as its ETag, as S3 does for
     * objects without SSE-KMS or SSE-C: true until {@link #noMd5Etags} is told otherwise.
     */
    boolean md5Etags() {
        return md5Etags;
    }

    /**
     * Records that the server answered the single PUT of {@code uri} with {@code etag}, not the MD5 of the bytes
     * sent ({@code md5}): from now on files sent in one PUT carry {@code Content-MD5}, computed before sending.
     */
    void noMd5Etags(String uri, String etag, String md5) {
        if (md5Etags) {
            md5Etags = false;
            log.info(
                    "{} answered the PUT of {} with ETag {}, not the MD5 of the bytes sent ({}): the file is sent"
                            + " again with Content-MD5, and so is every file sent in one PUT from now on (servers"
                            + " with SSE-KMS or SSE-C do not answer with MD5s)",
                    endpointName,
                    uri,
                    etag,
                    md5);
        }
    }

    public S3Settings settings() {
        return settings;
    }

    /** Where the credentials come from, for health and messages (never the keys). */
    public String credentialSource() {
        return settings.profile() == null ? "default chain" : "profile " + settings.profile();
    }

    /** Resolves the credentials now; PERMISSION when none can be found. */
    void checkCredentials() {
        try {
            credentials.resolveCredentials();
        } catch (RuntimeException e) {
            throw new DuckbridgeException(
                    ErrorClass.PERMISSION,
                    "no AWS credentials found (" + credentialSource() + "): set AWS_ACCESS_KEY_ID and"
                            + " AWS_SECRET_ACCESS_KEY, a profile, or a role: " + e.getMessage(),
                    e);
        }
    }

    S3Client client() {
        ensureOpen();
        return client;
    }

    /**
     * Sends one request ({@code request} uses {@link #client()} once) under the policy. SDK failures come back
     * unchanged after the last attempt; an open breaker is SOURCE_UNAVAILABLE.
     */
    <T> T call(Supplier<T> request) {
        ensureOpen();
        return policy.call(request, endpointName);
    }

    /** As {@link #call(Supplier)} for a request without a useful answer. */
    void run(Runnable request) {
        call(() -> {
            request.run();
            return null;
        });
    }

    /**
     * Permits for part buffers held in memory by uploads of growing files ({@code max-concurrency} of them), so
     * parts read ahead of the upload pool cannot pile up.
     */
    Semaphore partBuffers() {
        return partBuffers;
    }

    ExecutorService filePool() {
        return files;
    }

    ExecutorService partPool() {
        return parts;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new DuckbridgeException(ErrorClass.SOURCE_UNAVAILABLE, "the S3 storage connection is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        files.shutdownNow();
        parts.shutdownNow();
        try {
            files.awaitTermination(10, TimeUnit.SECONDS);
            parts.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    private static ExecutorService pool(String prefix, int threads) {
        AtomicInteger counter = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, prefix + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
