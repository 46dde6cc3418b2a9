package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which tables to sync: include and exclude globs over {@code schema.table} ({@code *} any run of
 * characters, {@code ?} one character; case-sensitive). No include globs means every user table. A table is
 * selected when it matches an include glob and no exclude glob. Immutable and thread-safe.
 *
 * @param include globs of tables to sync; empty for all
 * @param exclude globs of tables to leave out
 */
public record TableSelector(List<String> include, List<String> exclude) {
    public TableSelector {
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        for (String glob : include) {
            validate(glob, "include");
        }
        for (String glob : exclude) {
            validate(glob, "exclude");
        }
    }

    /** Every user table. */
    public static TableSelector all() {
        return new TableSelector(List.of(), List.of());
    }

    public boolean selects(TableName table) {
        String text = table.toString();
        boolean included = include.isEmpty() || include.stream().anyMatch(g -> matches(g, text));
        return included && exclude.stream().noneMatch(g -> matches(g, text));
    }

    static boolean matches(String glob, String text) {
        String g = glob.contains(".") ? glob : "public." + glob;
        return toRegex(g).matcher(text).matches();
    }

    private static Pattern toRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        // by code point: quoting the two halves of a character beyond the BMP (an emoji) apart matched nothing
        glob.codePoints().forEach(cp -> {
            switch (cp) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(Character.toString(cp)));
            }
        });
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    private static void validate(String glob, String key) {
        if (glob == null || glob.isBlank()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.sync." + key + " has an empty glob; use e.g. public.* or shop.order_*");
        }
    }
}
