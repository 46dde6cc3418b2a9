package io.duckbridge.core.query;

/**
 * How many columns text takes on a terminal, as DuckDB counts them when it draws an error's caret and as the CLI's
 * {@code --format table} aligns its columns. Stateless.
 */
public final class TerminalWidth {
    private TerminalWidth() {}

    /** The columns of {@code text}: the sum of its code points' ({@link #of(int)}). */
    public static int of(String text) {
        return text.codePoints().map(TerminalWidth::of).sum();
    }

    /**
     * 0 for combining marks and format characters, 2 for East Asian wide and full-width characters and emoji, else
     * 1.
     */
    public static int of(int cp) {
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT) {
            return 0;
        }
        boolean wide = (cp >= 0x1100 && cp <= 0x115F)
                || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F)
                || (cp >= 0xAC00 && cp <= 0xD7A3)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0xFE30 && cp <= 0xFE4F)
                || (cp >= 0xFF00 && cp <= 0xFF60)
                || (cp >= 0xFFE0 && cp <= 0xFFE6)
                || (cp >= 0x1F300 && cp <= 0x1F64F)
                || (cp >= 0x1F900 && cp <= 0x1F9FF)
                || (cp >= 0x20000 && cp <= 0x3FFFD);
        return wide ? 2 : 1;
    }
}
