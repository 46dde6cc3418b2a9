package io.duckbridge.core.error;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Classifies DuckDB failures by DuckDB's own error type: every DuckDB message starts with
 * {@code "<Type> Error: "} where {@code <Type>} is one of DuckDB's {@code ExceptionType} names
 * (Parser, Binder, Catalog, Conversion, Out of Memory, INTERRUPT, ...). Thread-safe (stateless).
 */
public final class DuckDbErrors {
    private static final Pattern TYPE_PREFIX = Pattern.compile("^([A-Za-z ]+?) Error: ", Pattern.DOTALL);
    private static final Pattern POSITION = Pattern.compile("\"position\"\\s*:\\s*\"?(\\d+)");

    private static final Map<String, ErrorClass> BY_TYPE = Map.ofEntries(
            Map.entry("parser", ErrorClass.SYNTAX),
            Map.entry("syntax", ErrorClass.SYNTAX),
            Map.entry("binder", ErrorClass.BINDER),
            Map.entry("catalog", ErrorClass.BINDER),
            Map.entry("conversion", ErrorClass.CONVERSION),
            Map.entry("invalid type", ErrorClass.CONVERSION),
            Map.entry("out of range", ErrorClass.CONVERSION),
            Map.entry("mismatch type", ErrorClass.CONVERSION),
            Map.entry("out of memory", ErrorClass.OUT_OF_MEMORY),
            Map.entry("interrupt", ErrorClass.CANCELLED),
            Map.entry("constraint", ErrorClass.CONSTRAINT),
            Map.entry("permission", ErrorClass.PERMISSION),
            Map.entry("io", ErrorClass.IO),
            Map.entry("http", ErrorClass.IO),
            Map.entry("transaction", ErrorClass.CONFLICT),
            Map.entry("transactioncontext", ErrorClass.CONFLICT),
            Map.entry("invalid input", ErrorClass.INVALID_REQUEST),
            Map.entry("not implemented", ErrorClass.INVALID_REQUEST),
            // a function of an extension that is not installed (sqlite_scan, read_xlsx, ...): not on this server
            Map.entry("extension autoloading", ErrorClass.INVALID_REQUEST),
            Map.entry("missing extension", ErrorClass.INVALID_REQUEST),
            Map.entry("dependency", ErrorClass.CONFLICT),
            Map.entry("sequence", ErrorClass.CONSTRAINT),
            Map.entry("serialization", ErrorClass.INTERNAL),
            Map.entry("fatal", ErrorClass.INTERNAL),
            Map.entry("internal", ErrorClass.INTERNAL));

    private DuckDbErrors() {}

    /** The DuckDB error type named at the start of the message, lower case, or null when there is none. */
    public static String errorType(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = TYPE_PREFIX.matcher(message.strip());
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /** Classifies a DuckDB error message; {@link ErrorClass#INTERNAL} when DuckDB named no known type. */
    public static ErrorClass classify(String message) {
        if (message != null
                && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
            // a commit that cannot write its WAL says "TransactionContext Error", which is no conflict to retry
            return ErrorClass.IO;
        }
        if (message != null && message.contains("No files found that match the pattern")) {
            // a read_parquet/read_csv of a path or glob with nothing there: the request names what is missing
            return ErrorClass.NOT_FOUND;
        }
        String type = errorType(message);
        return type == null ? ErrorClass.INTERNAL : BY_TYPE.getOrDefault(type, ErrorClass.INTERNAL);
    }

    /**
     * Whether {@code e} is the DuckDB JDBC driver's stand-in for an error it lost: on a
     * {@code jdbc_stream_results} connection, a query that fails before its first chunk (out of memory, a
     * conversion error, ...) is reported only as "Invalid Input Error: Invalid result set" (seen with
     * duckdb_jdbc 2.0.0.1). Errors after the first chunk keep their real message. A query stopped by its
     * timeout or cancelled fails with the same driver error, but its reason is known: an exception already
     * classified TIMEOUT or CANCELLED is not a lost error.
     */
    public static boolean isLostStreamingError(Throwable e) {
        if (e instanceof DuckbridgeException d
                && (d.errorClass() == ErrorClass.TIMEOUT || d.errorClass() == ErrorClass.CANCELLED)) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException
                    && t.getMessage() != null
                    && t.getMessage().strip().equals("Invalid Input Error: Invalid result set")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Arrow's C stream reader reports a DuckDB error met while the result streams (a value that does not convert
     * on row 1,500,000) as {@code IOException("[errno -1] CDataJniException{errno=-1, message=<DuckDB's
     * message>}")}, without a cause: DuckDB's message is taken out of that wrapping and classified like any
     * other. Empty for other I/O failures (writing to a client that left, a full disk).
     */
    public static java.util.Optional<DuckbridgeException> fromArrowStream(java.io.IOException e) {
        String message = e.getMessage();
        if (message == null) {
            return java.util.Optional.empty();
        }
        Matcher m = ARROW_STREAM_ERROR.matcher(message);
        if (!m.matches() || errorType(m.group(1)) == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(wrap(new SQLException(m.group(1), e)));
    }

    private static final Pattern ARROW_STREAM_ERROR = Pattern.compile(
            "\\[errno -?\\d+\\] (?:CDataJniException\\{errno=-?\\d+, message=)?(.*?)\\}?", Pattern.DOTALL);

    /** Wraps a DuckDB {@link SQLException} with its class and, when DuckDB reported one, the position. */
    public static DuckbridgeException wrap(SQLException e) {
        return wrap(null, e);
    }

    /** As {@link #wrap(SQLException)}, with {@code context} in front of the message when it is not null. */
    public static DuckbridgeException wrap(String context, SQLException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Integer position = null;
        Matcher p = POSITION.matcher(message);
        if (p.find()) {
            position = Integer.valueOf(p.group(1));
        }
        String text = context == null ? message : context + ": " + message;
        ErrorClass errorClass = classify(message);
        if (errorClass == ErrorClass.OUT_OF_MEMORY) {
            // DuckDB's own tips say SET memory_limit / threads, which nobody can run here (the configuration is
            // locked): name the settings that do it
            text += " (in Duckbridge: raise duckbridge.duckdb.memory-limit (DUCKDB_MEMORY_LIMIT) with the"
                    + " container's memory, lower duckbridge.duckdb.threads (DUCKDB_THREADS), or ask for fewer"
                    + " rows; retry after Retry-After)";
        }
        return new DuckbridgeException(errorClass, text, e, position);
    }
}
