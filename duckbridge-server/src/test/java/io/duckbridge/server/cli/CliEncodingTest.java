package io.duckbridge.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CliEncodingTest {
    /** What /proc/self/cmdline holds: each argument's bytes, NUL-terminated. */
    private static byte[] cmdline(String... entries) {
        var bytes = new ByteArrayOutputStream();
        for (String e : entries) {
            bytes.writeBytes(e.getBytes(StandardCharsets.UTF_8));
            bytes.write(0);
        }
        return bytes.toByteArray();
    }

    @Test
    void argumentsTheJvmReadAsAsciiAreDecodedAgainAsUtf8() {
        // found by an acceptance tester: under LANG=C "WHERE name = 'Zoë Ærø'" reached DuckDB with U+FFFD and matched
        // nothing; the JVM turns each byte it cannot decode into U+FFFD (ASCII) or '?'
        String sql = "SELECT count(*) AS n FROM unicode_t WHERE name = 'Zoë Ærø' -- 日本語 😀?";
        String[] decodedByJvm = {"query", sql.replaceAll("[^\\x00-\\x7f]", "\uFFFD"), "--format", "csv", ""};
        byte[] proc = cmdline(
                "/usr/bin/java",
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                "d.jar",
                "query",
                sql,
                "--format",
                "csv",
                "");

        assertThat(CliEncoding.arguments(proc, decodedByJvm)).containsExactly("query", sql, "--format", "csv", "");
        String[] withQuestionMarks = {"query", sql.replaceAll("[^\\x00-\\x7f]", "?"), "--format", "csv", ""};
        assertThat(CliEncoding.arguments(proc, withQuestionMarks)).containsExactly("query", sql, "--format", "csv", "");
    }

    @Test
    void argumentsAreLeftAsTheyAreWhenTheCommandLineDoesNotMatch() {
        String[] args = {"query", "SELECT 'Zo\uFFFD\uFFFD'"};
        // an @argfile expanded the arguments: the command line holds other text
        assertThat(CliEncoding.arguments(cmdline("java", "-jar", "d.jar", "@args"), args))
                .isSameAs(args);
        assertThat(CliEncoding.arguments(cmdline("java", "query", "SELECT 'Zoë' AS x"), args))
                .isSameAs(args);
        // fewer entries than arguments
        assertThat(CliEncoding.arguments(cmdline("SELECT 'Zoë'"), args)).isSameAs(args);
        // the bytes are not UTF-8 (a Latin-1 terminal): nothing better to decode them as
        byte[] latin1 = {
            'q', 'u', 'e', 'r', 'y', 0, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '\'', 'Z', 'o', (byte) 0xEB, '\'', 0
        };
        assertThat(CliEncoding.arguments(latin1, new String[] {"query", "SELECT 'Zo\uFFFD'"}))
                .containsExactly("query", "SELECT 'Zo\uFFFD'");
        // a command line whose last entry has no NUL still splits into its entries
        assertThat(CliEncoding.arguments(
                        "java\0query\0SELECT 'é'".getBytes(StandardCharsets.UTF_8),
                        new String[] {"query", "SELECT '\uFFFD\uFFFD'"}))
                .containsExactly("query", "SELECT 'é'");
    }

    @Test
    void underAUtf8LocaleTheArgumentsAreTheJvmsOwn() {
        // the test JVM runs under a UTF-8 native encoding (or the check returns args for any other)
        String[] args = {"query", "SELECT 'Zoë'"};
        assertThat(CliEncoding.arguments(args)).containsExactly("query", "SELECT 'Zoë'");
    }

    @Test
    void theCliOutputIsUtf8WhateverStdoutEncodingSays() {
        // System.out under LANG=C encodes as ASCII: "Zoë Ærø" printed as "Zo? ?r?"
        var bytes = new ByteArrayOutputStream();
        var out = CliEncoding.utf8(bytes);
        out.println("Zoë Ærø,日本語,😀");
        assertThat(bytes.toByteArray()).isEqualTo("Zoë Ærø,日本語,😀\n".getBytes(StandardCharsets.UTF_8));
    }
}
