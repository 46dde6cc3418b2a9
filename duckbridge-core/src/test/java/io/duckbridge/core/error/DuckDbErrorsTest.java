package io.duckbridge.core.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DuckDbErrorsTest {
    @Test
    void classifiesByTheTypeDuckDbNamesAndKeepsThePosition() {
        DuckbridgeException binder = DuckDbErrors.wrap(new SQLException(
                "Binder Error: Referenced column \"nope\" not found\n\nLINE 1: SELECT nope\n{\"position\": \"7\"}"));
        assertThat(binder.errorClass()).isEqualTo(ErrorClass.BINDER);
        assertThat(binder.position()).isEqualTo(7);
        assertThat(DuckDbErrors.wrap(new SQLException("something odd")).errorClass())
                .isEqualTo(ErrorClass.INTERNAL);
    }

    @Test
    void aCommitOnAFullDiskIsIoNotAConflict() {
        // what a restore's swap got on a full disk: retried three times as a conflict, then answered 409
        String message = "TransactionContext Error: Failed to commit: Could not write file"
                + " \"/data/analytics.duckdb.wal\": No space left on device";
        assertThat(DuckDbErrors.classify(message)).isEqualTo(ErrorClass.IO);
        assertThat(DuckDbErrors.classify("TransactionContext Error: Catalog write-write conflict on alter with \"t\""))
                .isEqualTo(ErrorClass.CONFLICT);
    }

    @Test
    void aFileThatIsNotThereIsNotFoundNotAServerFault() {
        assertThat(DuckDbErrors.classify(
                        "IO Error: No files found that match the pattern \"/data/exports/nonexist.parquet\""))
                .isEqualTo(ErrorClass.NOT_FOUND);
        assertThat(DuckDbErrors.classify("IO Error: Could not write file \"/data/x\": Input/output error"))
                .isEqualTo(ErrorClass.IO);
    }

    @Test
    void outOfMemoryNamesTheSettingsAUserCanChange() {
        DuckbridgeException oom = DuckDbErrors.wrap(new SQLException("Out of Memory Error: could not allocate block of"
                + " size 256.0 KiB (1.0 GiB/1.0 GiB used)\n\nPossible solutions:\n* Reducing the number of threads"
                + " (SET threads=X)"));
        assertThat(oom.errorClass()).isEqualTo(ErrorClass.OUT_OF_MEMORY);
        assertThat(oom.getMessage()).contains("duckbridge.duckdb.memory-limit", "DUCKDB_THREADS");
    }

    @Test
    void aDuckDbErrorInsideArrowsStreamReaderKeepsItsClassAndPosition() {
        // what arrow-c-data 18.3 threw when DuckDB failed on a row while the result streamed
        var e = DuckDbErrors.fromArrowStream(new java.io.IOException("[errno -1] CDataJniException{errno=-1,"
                        + " message=Conversion Error: Could not convert string 'x' to INT32\n\nLINE 1: SELECT i\n"
                        + "{\"position\": \"7\"}}"))
                .orElseThrow();
        assertThat(e.errorClass()).isEqualTo(ErrorClass.CONVERSION);
        assertThat(e.getMessage()).startsWith("Conversion Error: Could not convert string 'x' to INT32");
        assertThat(e.position()).isEqualTo(7);
        assertThat(DuckDbErrors.fromArrowStream(new java.io.IOException("Broken pipe")))
                .isEmpty();
    }

    @Test
    void aFunctionWhoseExtensionCannotLoadIsTheRequestsProblem() {
        DuckbridgeException e = DuckDbErrors.wrap(new SQLException("Extension Autoloading Error: An error occurred"
                + " while trying to automatically install the required extension 'sqlite_scanner': Loading external"
                + " extensions is disabled through configuration"));
        assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
    }
}
