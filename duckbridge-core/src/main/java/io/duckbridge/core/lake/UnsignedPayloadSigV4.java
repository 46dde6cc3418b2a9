package io.duckbridge.core.lake;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

/**
 * SigV4 with {@code x-amz-content-sha256: UNSIGNED-PAYLOAD} on plain-HTTP endpoints too, where the SDK otherwise
 * always signs the body's SHA-256.
 *
 * <p>Why: a signed body makes the client hash every byte before sending it and makes S3-compatible servers (S3Proxy,
 * among others) read the whole body into memory to check that hash before storing anything, so a large upload
 * costs two more passes over its bytes and cannot stream. Every upload Duckbridge sends carries {@code Content-MD5}
 * instead, which is one of the signed headers: the server refuses a body that does not match it, and a body cannot
 * be changed on the way without changing that header, which breaks the signature. Over HTTPS this is what the SDK
 * does anyway (the payload is unsigned there).
 *
 * <p>How: the request is signed by the SDK's own signer as if it were HTTPS (the scheme is not part of what SigV4
 * signs) with payload signing off, the {@code Host} header fixed first to what the HTTP request sends, and the
 * scheme put back afterwards. Requests to HTTPS endpoints go to the SDK's signer unchanged.
 */
final class UnsignedPayloadSigV4 implements AwsV4AuthScheme {
    private static final AwsV4HttpSigner SDK_SIGNER = AwsV4HttpSigner.create();

    @Override
    public String schemeId() {
        return AwsV4AuthScheme.SCHEME_ID;
    }

    @Override
    public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
        return providers.identityProvider(AwsCredentialsIdentity.class);
    }

    @Override
    public AwsV4HttpSigner signer() {
        return Signer.INSTANCE;
    }

    private enum Signer implements AwsV4HttpSigner {
        INSTANCE;

        @Override
        public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
            if (!isHttp(request.request())) {
                return SDK_SIGNER.sign(request);
            }
            SignedRequest signed = SDK_SIGNER.sign(request.copy(b -> b.request(asHttps(request.request()))
                    .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)));
            return signed.copy(b -> b.request(asHttp(signed.request())));
        }

        @Override
        public CompletableFuture<AsyncSignedRequest> signAsync(
                AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
            if (!isHttp(request.request())) {
                return SDK_SIGNER.signAsync(request);
            }
            return SDK_SIGNER
                    .signAsync(request.copy(b -> b.request(asHttps(request.request()))
                            .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)))
                    .thenApply(signed -> signed.copy(b -> b.request(asHttp(signed.request()))));
        }
    }

    private static boolean isHttp(SdkHttpRequest request) {
        return "http".equalsIgnoreCase(request.protocol());
    }

    /** The request as HTTPS, with the {@code Host} header the HTTP request sends (port 80 is implied there). */
    static SdkHttpRequest asHttps(SdkHttpRequest request) {
        SdkHttpRequest.Builder builder = request.toBuilder();
        if (request.firstMatchingHeader("Host").isEmpty()) {
            int port = request.port();
            builder.putHeader("Host", port == 80 || port < 0 ? request.host() : request.host() + ":" + port);
        }
        return builder.protocol("https").port(request.port()).build();
    }

    static SdkHttpRequest asHttp(SdkHttpRequest request) {
        return request.toBuilder().protocol("http").port(request.port()).build();
    }
}
