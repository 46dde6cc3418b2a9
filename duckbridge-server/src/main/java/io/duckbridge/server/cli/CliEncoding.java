package io.duckbridge.server.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Makes the CLI independent of the locale it runs in. Under {@code LANG=C}, {@code POSIX} or no locale at all
 * (cron, minimal containers, ssh without locale forwarding) the JVM decodes the arguments and encodes
 * {@code System.out}/{@code System.err} as ASCII: a {@code 'Zoë'} in the SQL reached DuckDB as {@code 'Zo��'}
 * and matched nothing, and CSV printed {@code ?} for every non-ASCII character. The CLI's text is UTF-8 both
 * ways instead, as the HTTP API's is. Not thread-safe: call once, from {@code main}, before anything prints.
 */
public final class CliEncoding {
    private CliEncoding() {}

    /**
     * The program arguments as the user typed them. When the JVM decoded them in a native encoding other
     * than UTF-8 ({@code sun.jnu.encoding}), they are read again on Linux from {@code /proc/self/cmdline} and
     * decoded as UTF-8; {@code args} is returned unchanged when that file is missing or does not match.
     */
    public static String[] arguments(String[] args) {
        String nativeEncoding = System.getProperty("sun.jnu.encoding", "UTF-8");
        if (isUtf8(nativeEncoding)) {
            return args;
        }
        Path cmdline = Path.of("/proc/self/cmdline");
        try {
            return Files.isReadable(cmdline) ? arguments(Files.readAllBytes(cmdline), args) : args;
        } catch (IOException | RuntimeException unreadable) {
            return args;
        }
    }

    /**
     * {@code args} decoded again from the bytes of {@code /proc/self/cmdline} (NUL-terminated entries, the
     * program's arguments the last {@code args.length} of them). Each entry must be valid UTF-8 and agree
     * with the argument the JVM decoded in all its ASCII characters (a character the native decoding could
     * not read became {@code ?} or U+FFFD); otherwise, as when an {@code @argfile} expanded the arguments,
     * {@code args} is returned unchanged.
     */
    static String[] arguments(byte[] cmdline, String[] args) {
        List<byte[]> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                entries.add(Arrays.copyOfRange(cmdline, start, i));
                start = i + 1;
            }
        }
        if (start < cmdline.length) {
            entries.add(Arrays.copyOfRange(cmdline, start, cmdline.length));
        }
        if (entries.size() < args.length) {
            return args;
        }
        String[] recovered = new String[args.length];
        int offset = entries.size() - args.length;
        for (int i = 0; i < args.length; i++) {
            byte[] entry = entries.get(offset + i);
            try {
                recovered[i] = StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(entry))
                        .toString();
            } catch (CharacterCodingException notUtf8) {
                return args;
            }
            if (!asciiSkeleton(recovered[i]).equals(asciiSkeleton(args[i]))) {
                return args;
            }
        }
        return recovered;
    }

    /** The ASCII characters of {@code s} except {@code ?}, the native decoding's replacement. */
    private static String asciiSkeleton(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80 && c != '?') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Points {@code System.out} and {@code System.err} at UTF-8 streams over the process's descriptors, whatever
     * {@code stdout.encoding} and {@code stderr.encoding} say.
     */
    public static void useUtf8Output() {
        System.setOut(utf8(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 13)));
        System.setErr(utf8(new BufferedOutputStream(new FileOutputStream(FileDescriptor.err), 1 << 13)));
    }

    /**
     * A print stream that encodes text as UTF-8 into {@code target} (bytes written to it pass unchanged),
     * flushed at every line as the JVM's own standard streams are.
     */
    static PrintStream utf8(OutputStream target) {
        return new PrintStream(target, true, StandardCharsets.UTF_8);
    }

    private static boolean isUtf8(String encoding) {
        try {
            return Charset.forName(encoding).equals(StandardCharsets.UTF_8);
        } catch (RuntimeException unknown) {
            return false;
        }
    }
}
