package io.duckbridge.core.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class S3BucketStoreTest {
    private static final byte[] MD5 = Digests.md5().digest("{}".getBytes(StandardCharsets.UTF_8));
    private static final String HEX = Digests.hex(MD5);

    @Test
    void acceptsTheSinglePutEtagOfTheMd5Sent() {
        assertThat(S3BucketStore.isMd5Etag("\"" + HEX + "\"", MD5)).isTrue();
        assertThat(S3BucketStore.isMd5Etag(HEX.toUpperCase(java.util.Locale.ROOT), MD5))
                .isTrue();
    }

    @Test
    void leavesOtherEtagsToAHead() {
        assertThat(S3BucketStore.isMd5Etag(null, MD5)).isFalse();
        assertThat(S3BucketStore.isMd5Etag("\"" + HEX + "-2\"", MD5)).isFalse(); // multipart
        assertThat(S3BucketStore.isMd5Etag("\"" + "0".repeat(32) + "\"", MD5)).isFalse(); // SSE-KMS, other data
        assertThat(S3BucketStore.isMd5Etag("\"\"", MD5)).isFalse();
    }
}
