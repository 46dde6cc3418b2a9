package io.duckbridge.server.cli;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes the server's CSV ({@code CsvEncoder}: CRLF after each record, a field quoted when it holds a comma,
 * quote, CR or LF) through to a terminal's line ends as it arrives: outside quotes a CR is dropped, inside them
 * the bytes stay as they are. After {@code limit} records (the header counts) the rest is dropped and the
 * result counts as {@link #truncated()}. Works on bytes: the characters it looks at are ASCII, which never occur
 * inside a multi-byte UTF-8 character. Confined to one thread; does not close its target.
 */
final class CsvLines extends OutputStream {
    private final OutputStream target;
    private final long limit;
    private long records;
    private boolean quoted;
    private boolean truncated;
    private int last = -1;

    CsvLines(OutputStream target, long limit) {
        this.target = target;
        this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int end = offset + length;
        int run = offset; // the start of the bytes not written yet
        int i = offset;
        for (; i < end; i++) {
            if (records >= limit) {
                truncated = true;
                break;
            }
            byte b = bytes[i];
            if (b == '"') {
                // a doubled quote inside a quoted field toggles twice
                quoted = !quoted;
            } else if (!quoted && b == '\r') {
                target.write(bytes, run, i - run);
                run = i + 1;
            } else if (!quoted && b == '\n') {
                records++;
            }
        }
        if (i > run) {
            target.write(bytes, run, i - run);
            last = bytes[i - 1];
        }
    }

    /** Ends a last record that had no line end. */
    void finish() {
        if (last != -1 && last != '\n') {
            try {
                target.write('\n');
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            last = '\n';
        }
    }

    /** Whether records beyond the limit arrived and were dropped. */
    boolean truncated() {
        return truncated;
    }

    /** Passes bytes through and remembers the last one (whether a JSON document ended its line). */
    static final class LastByte extends OutputStream {
        private final OutputStream target;
        private int last = -1;

        LastByte(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            target.write(b);
            last = b;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            target.write(bytes, offset, length);
            if (length > 0) {
                last = bytes[offset + length - 1];
            }
        }

        int last() {
            return last;
        }
    }
}
