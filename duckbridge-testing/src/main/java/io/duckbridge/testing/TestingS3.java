package io.duckbridge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A real S3 protocol server for tests and benchmarks: S3Proxy with a filesystem backend in a temporary
 * directory, SigV2/SigV4 authentication on ({@code s3proxy.authorization=aws-v2-or-v4}), bound to
 * 127.0.0.1 on a free port.
 *
 * <p>S3Proxy's {@code jar-with-dependencies} bundles unshaded Netty, Jackson 2, Guava, SLF4J and Logback,
 * so it is loaded in a class loader of its own whose parent is the platform class loader: nothing of it is
 * visible to the test's class path (the AWS SDK, Spring Boot), and nothing of theirs to it.
 *
 * <p>Every call S3Proxy makes to its storage backend is counted ({@link #operationCounts()}), which is the
 * server-side record of what clients did: {@code putBlob} for a single PUT, {@code initiateMultipartUpload},
 * {@code uploadMultipartPart} per part, {@code completeMultipartUpload}. {@link #maxConcurrentPartUploads()}
 * tells whether parts arrived in parallel. {@link #failWritesAfter(int)} makes the server fail uploads, to
 * test interrupted publishing.
 *
 * <p>Thread-safe; {@link #close()} stops the server, deletes its files and is idempotent.
 */
public final class TestingS3 implements AutoCloseable {
    /** The access key id the server accepts. */
    public static final String ACCESS_KEY = "duckbridge-test";

    private static final Comparator<Path> DEEPEST_FIRST = Comparator.reverseOrder();

    private final URLClassLoader loader;
    private final Object server;
    private final Object blobStore;
    private final Object context;
    private final Path directory;
    private final URI endpoint;
    private final String secretKey;
    private final Map<String, AtomicLong> operations = new ConcurrentHashMap<>();
    private final AtomicInteger partsInFlight = new AtomicInteger();
    private final AtomicInteger maxPartsInFlight = new AtomicInteger();
    private volatile String failAbortsOf;
    private volatile long partDelayMillis;
    private volatile boolean etagsNotMd5;
    /** What {@link #answerEtagsThatAreNotMd5s} answers: 32 hex digits, the MD5 of no test data. */
    private static final String NOT_AN_MD5 = "\"0123456789abcdef0123456789abcdef\"";

    private final AtomicInteger writesLeftBeforeFailure = new AtomicInteger(Integer.MAX_VALUE);
    private volatile boolean closed;

    private TestingS3(Path directory) throws Exception {
        this.directory = directory;
        this.secretKey = UUID.randomUUID().toString();
        this.loader = new URLClassLoader(
                "s3proxy", new URL[] {locateJar().toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // jclouds finds its providers through the context class loader; Jetty threads inherit it
        thread.setContextClassLoader(loader);
        try {
            Properties overrides = new Properties();
            overrides.setProperty("jclouds.filesystem.basedir", directory.toString());
            Class<?> builderType = loader.loadClass("org.jclouds.ContextBuilder");
            Object builder = builderType.getMethod("newBuilder", String.class).invoke(null, "filesystem");
            builder = builderType.getMethod("overrides", Properties.class).invoke(builder, overrides);
            Class<?> contextType = loader.loadClass("org.jclouds.blobstore.BlobStoreContext");
            this.context = builderType.getMethod("build", Class.class).invoke(builder, contextType);
            Object backend = contextType.getMethod("getBlobStore").invoke(context);
            Class<?> blobStoreType = loader.loadClass("org.jclouds.blobstore.BlobStore");
            this.blobStore = Proxy.newProxyInstance(loader, new Class<?>[] {blobStoreType}, new Recorder(backend));

            int port = freePort();
            this.endpoint = URI.create("http://127.0.0.1:" + port);
            Class<?> proxyType = loader.loadClass("org.gaul.s3proxy.S3Proxy");
            Class<?> proxyBuilderType = loader.loadClass("org.gaul.s3proxy.S3Proxy$Builder");
            Class<?> authType = loader.loadClass("org.gaul.s3proxy.AuthenticationType");
            Object proxyBuilder = proxyType.getMethod("builder").invoke(null);
            proxyBuilderType.getMethod("blobStore", blobStoreType).invoke(proxyBuilder, blobStore);
            proxyBuilderType.getMethod("endpoint", URI.class).invoke(proxyBuilder, endpoint);
            proxyBuilderType
                    .getMethod("awsAuthentication", authType, String.class, String.class)
                    .invoke(proxyBuilder, authType.getField("AWS_V2_OR_V4").get(null), ACCESS_KEY, secretKey);
            this.server = proxyBuilderType.getMethod("build").invoke(proxyBuilder);
            proxyType.getMethod("start").invoke(server);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!"STARTED".equals(proxyType.getMethod("getState").invoke(server))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start within 30 s");
                }
                Thread.onSpinWait();
            }
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Starts a server with an empty store in a fresh temporary directory. */
    public static TestingS3 start() {
        Path directory = null;
        try {
            directory = Files.createTempDirectory("duckbridge-s3-");
            return new TestingS3(directory);
        } catch (InvocationTargetException e) {
            deleteQuietly(directory);
            throw new IllegalStateException("could not start S3Proxy: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            deleteQuietly(directory);
            throw new IllegalStateException("could not start S3Proxy: " + e, e);
        }
    }

    /** {@code http://127.0.0.1:PORT}, for the SDK's endpoint override (use path-style access). */
    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return endpoint.getPort();
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return secretKey;
    }

    /** A region name for clients; S3Proxy accepts any. */
    public String region() {
        return "us-east-1";
    }

    /** Creates a bucket (idempotent). */
    public void createBucket(String name) {
        call(
                "createContainerInLocation",
                new Class<?>[] {loadClass("org.jclouds.domain.Location"), String.class},
                null,
                name);
    }

    /** Whether the object {@code key} exists in {@code bucket}. */
    public boolean exists(String bucket, String key) {
        return (Boolean) call("blobExists", new Class<?>[] {String.class, String.class}, bucket, key);
    }

    /**
     * How often each storage operation ran since start or the last {@link #resetCounts()}, by the jclouds
     * {@code BlobStore} method name S3Proxy called (e.g. {@code putBlob}, {@code uploadMultipartPart}).
     */
    public Map<String, Long> operationCounts() {
        Map<String, Long> copy = new TreeMap<>();
        operations.forEach((name, count) -> copy.put(name, count.get()));
        return copy;
    }

    /** How often {@code operation} ran; 0 if never. */
    public long count(String operation) {
        AtomicLong c = operations.get(operation);
        return c == null ? 0 : c.get();
    }

    /** The most multipart parts the server was receiving at the same time. */
    public int maxConcurrentPartUploads() {
        return maxPartsInFlight.get();
    }

    public void resetCounts() {
        operations.clear();
        maxPartsInFlight.set(0);
    }

    /**
     * Lets {@code writes} more object writes (single PUTs or multipart parts) succeed, then fails every
     * further one with a server error, as a server or network dying in the middle of an upload would.
     * {@link #healWrites()} undoes it.
     */
    public void failWritesAfter(int writes) {
        writesLeftBeforeFailure.set(writes);
    }

    public void healWrites() {
        writesLeftBeforeFailure.set(Integer.MAX_VALUE);
    }

    /**
     * Holds every multipart part for {@code delay} after the server has received it and before it is stored, as a
     * slow disk would: a client that gives up meanwhile does not stop it being stored. Zero stops it.
     */
    public void delayParts(java.time.Duration delay) {
        partDelayMillis = delay.toMillis();
    }

    /**
     * Fails every abort of a multipart upload whose object name contains {@code text} with a server error (as a
     * store answers when the upload is not the caller's to abort); null stops it.
     */
    public void failAbortsOf(String text) {
        failAbortsOf = text;
    }

    /**
     * Answers every single PUT with an ETag that is 32 hex digits but not the MD5 of the stored bytes, as S3 does
     * for objects encrypted with SSE-KMS; false stops it.
     */
    public void answerEtagsThatAreNotMd5s(boolean on) {
        etagsNotMd5 = on;
    }

    /** The directory that holds the buckets (one sub-directory each). */
    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.getClass().getMethod("stop").invoke(server);
            context.getClass().getMethod("close").invoke(context);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not stop S3Proxy: " + e, e);
        } finally {
            try {
                loader.close();
            } catch (IOException ignored) {
                // the jar stays open until the JVM ends; nothing else to release
            }
            deleteQuietly(directory);
        }
    }

    private Object call(String method, Class<?>[] types, Object... args) {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(loader);
        try {
            return loader.loadClass("org.jclouds.blobstore.BlobStore")
                    .getMethod(method, types)
                    .invoke(blobStore, args);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(method + " failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(method + " failed: " + e, e);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private Class<?> loadClass(String name) {
        try {
            return loader.loadClass(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts and, when asked, fails the backend calls S3Proxy makes. */
    private final class Recorder implements InvocationHandler {
        private final Object backend;

        Recorder(Object backend) {
            this.backend = backend;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (method.getDeclaringClass() == Object.class) {
                return method.invoke(backend, args);
            }
            operations.computeIfAbsent(name, n -> new AtomicLong()).incrementAndGet();
            boolean write = name.equals("putBlob") || name.equals("uploadMultipartPart");
            if (write && writesLeftBeforeFailure.getAndDecrement() <= 0) {
                writesLeftBeforeFailure.set(0);
                throw serverError("injected storage failure in " + name);
            }
            String abortFails = failAbortsOf;
            if (name.equals("abortMultipartUpload")
                    && abortFails != null
                    && java.util.Arrays.toString(args).contains(abortFails)) {
                throw serverError("injected failure to abort " + abortFails);
            }
            boolean part = name.equals("uploadMultipartPart");
            if (part) {
                maxPartsInFlight.accumulateAndGet(partsInFlight.incrementAndGet(), Math::max);
                long delay = partDelayMillis;
                if (delay > 0) {
                    Thread.sleep(delay);
                }
            }
            try {
                Object answer = method.invoke(backend, args);
                return name.equals("putBlob") && etagsNotMd5 ? NOT_AN_MD5 : answer;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (part) {
                    partsInFlight.decrementAndGet();
                }
            }
        }
    }

    /** A jclouds HttpResponseException with status 500, which S3Proxy passes on as a 500 answer. */
    private Throwable serverError(String message) throws ReflectiveOperationException {
        Class<?> responseType = loader.loadClass("org.jclouds.http.HttpResponse");
        Object builder = responseType.getMethod("builder").invoke(null);
        Class<?> builderType = builder.getClass();
        builder = builderType.getMethod("statusCode", int.class).invoke(builder, 500);
        builder = builderType.getMethod("message", String.class).invoke(builder, message);
        Object response = builderType.getMethod("build").invoke(builder);
        Class<?> exceptionType = loader.loadClass("org.jclouds.http.HttpResponseException");
        return (Throwable) exceptionType
                .getConstructor(String.class, loader.loadClass("org.jclouds.http.HttpCommand"), responseType)
                .newInstance(message, null, response);
    }

    private static Path locateJar() throws IOException {
        Properties p = new Properties();
        try (InputStream in = TestingS3.class.getResourceAsStream("s3proxy.properties")) {
            if (in == null) {
                throw new IllegalStateException("s3proxy.properties is missing from duckbridge-testing");
            }
            p.load(in);
        }
        Path jar = Path.of(p.getProperty("jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the S3Proxy jar " + jar + " is missing; build duckbridge-testing with"
                    + " Maven (it copies the jar there in generate-resources)");
        }
        return jar;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteQuietly(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(DEEPEST_FIRST).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary directory left behind is not worth failing a test over
        }
    }
}
