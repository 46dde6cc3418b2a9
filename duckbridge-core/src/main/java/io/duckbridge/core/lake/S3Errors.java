package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Classifies S3 failures by the service's error code and HTTP status (never by message text).
 * Stateless, thread-safe.
 */
final class S3Errors {
    private static final Set<String> CREDENTIAL_CODES = Set.of(
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "AccessDenied",
            "ExpiredToken",
            "InvalidToken",
            "AuthorizationHeaderMalformed");
    private static final Set<String> CORRUPTION_CODES = Set.of("BadDigest", "InvalidDigest", "IncompleteBody");

    private S3Errors() {}

    static DuckbridgeException translate(String action, String location, Throwable failure) {
        Throwable e = unwrap(failure);
        if (e instanceof DuckbridgeException d) {
            return d;
        }
        if (e instanceof S3Exception s3) {
            String code =
                    s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            int status = s3.statusCode();
            String detail =
                    action + " " + location + " failed: S3 answered " + status + (code == null ? "" : " " + code);
            if (s3 instanceof NoSuchBucketException || "NoSuchBucket".equals(code)) {
                return new DuckbridgeException(
                        ErrorClass.NOT_FOUND, detail + ": the bucket does not exist; create it first", s3);
            }
            if (s3 instanceof NoSuchKeyException || "NoSuchKey".equals(code)) {
                return new DuckbridgeException(ErrorClass.NOT_FOUND, detail + ": no such object", s3);
            }
            if (status == 404) {
                return new DuckbridgeException(ErrorClass.NOT_FOUND, detail + ": not found (is the bucket there?)", s3);
            }
            if (status == 401 || status == 403 || (code != null && CREDENTIAL_CODES.contains(code))) {
                return new DuckbridgeException(
                        ErrorClass.PERMISSION,
                        detail + ": the credentials were refused; check the AWS default chain"
                                + " (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile files, roles) or"
                                + " duckbridge.lake.s3.profile",
                        s3);
            }
            if (code != null && CORRUPTION_CODES.contains(code)) {
                return new DuckbridgeException(ErrorClass.IO, detail + ": the upload arrived corrupted", s3);
            }
            if (status == 409) {
                return new DuckbridgeException(ErrorClass.CONFLICT, detail, s3);
            }
            if (status >= 500 || status == 429) {
                return new DuckbridgeException(
                        ErrorClass.SOURCE_UNAVAILABLE, detail + ": the storage is failing; retry later", s3);
            }
            return new DuckbridgeException(ErrorClass.IO, detail, s3);
        }
        if (e instanceof SdkClientException client) {
            for (Throwable t = client; t != null; t = t.getCause()) {
                if (t instanceof java.net.UnknownHostException unknown) {
                    // with virtual-host addressing the bucket is part of the host name (bucket.endpoint)
                    return new DuckbridgeException(
                            ErrorClass.SOURCE_UNAVAILABLE,
                            action + " " + location + " failed: the host " + unknown.getMessage() + " is unknown;"
                                    + " check duckbridge.lake.s3.endpoint, and for an S3-compatible server set"
                                    + " duckbridge.lake.s3.path-style-access=true (without it the bucket becomes part"
                                    + " of the host name)",
                            client);
                }
            }
            return new DuckbridgeException(
                    ErrorClass.SOURCE_UNAVAILABLE,
                    action + " " + location + " failed: the storage endpoint cannot be reached (check"
                            + " duckbridge.lake.s3.endpoint and the network): " + client.getMessage(),
                    client);
        }
        if (e instanceof SdkException sdk) {
            return new DuckbridgeException(
                    ErrorClass.IO, action + " " + location + " failed: " + sdk.getMessage(), sdk);
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new DuckbridgeException(ErrorClass.CANCELLED, action + " " + location + " was interrupted", e);
        }
        if (e instanceof java.io.IOException) {
            return new DuckbridgeException(ErrorClass.IO, action + " " + location + " failed: " + e, e);
        }
        return new DuckbridgeException(ErrorClass.INTERNAL, action + " " + location + " failed: " + e, e);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException
                        || t instanceof java.util.concurrent.CompletionException
                        || t instanceof java.io.UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
