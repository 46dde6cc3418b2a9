package io.duckbridge.core.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.error.ErrorClass;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

class S3ErrorsTest {
    @Test
    void anUnknownHostIsNamedWithThePathStyleHint() {
        var failure = SdkClientException.create(
                "Received an UnknownHostException when attempting to interact with a service",
                new UnknownHostException("lake.localhost"));
        var error = S3Errors.translate("reading", "s3://lake/x", failure);
        assertThat(error.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
        assertThat(error.getMessage())
                .contains("the host lake.localhost is unknown")
                .contains("duckbridge.lake.s3.path-style-access=true");
    }
}
