package io.duckbridge.core.sync;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.SourceColumn;
import io.duckbridge.core.schema.SourceTable;
import io.duckbridge.core.schema.TableName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Finds PostgreSQL names DuckDB cannot tell apart. PostgreSQL compares quoted names exactly, DuckDB ignores the
 * case of ASCII letters (not of others: {@code "Ü"} and {@code "ü"} are two DuckDB names), so
 * {@code public."MixedCase"} and {@code public.mixedcase} would be one DuckDB table, each sync replacing the
 * other's rows, and a table with columns {@code "Val"} and {@code val} cannot be created at all. Such a table is
 * refused with CONFLICT before anything is written. Stateless; thread-safe.
 */
final class NameClashes {
    private NameClashes() {}

    /** {@code name} as DuckDB compares it: ASCII letters in lower case, every other character as it is. */
    static String fold(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            sb.append(ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch);
        }
        return sb.toString();
    }

    /**
     * The tables of {@code run} that share their DuckDB table with another selected PostgreSQL table, each with
     * the error that fails it. Every table of such a pair fails, in every run, until one of them is left out:
     * letting one win would depend on the order of the runs, and would serve one table's rows under the other's
     * name.
     *
     * @param selected every PostgreSQL table the sync settings select (names only)
     */
    static Map<TableName, DuckbridgeException> tableClashes(List<SourceTable> run, List<TableName> selected) {
        Map<List<String>, List<TableName>> byTarget = new LinkedHashMap<>();
        Map<String, java.util.Set<String>> schemaSpellings = new LinkedHashMap<>();
        for (TableName name : selected) {
            byTarget.computeIfAbsent(target(name), k -> new ArrayList<>()).add(name);
            schemaSpellings
                    .computeIfAbsent(fold(name.schema()), k -> new java.util.TreeSet<>())
                    .add(name.schema());
        }
        Map<TableName, DuckbridgeException> out = new LinkedHashMap<>();
        for (SourceTable table : run) {
            TableName name = table.name();
            if (TableName.isDuckbridgeOwn(name.schema(), name.name())) {
                out.put(
                        name,
                        new DuckbridgeException(
                                ErrorClass.CONFLICT,
                                name + " has a name Duckbridge keeps for itself in DuckDB (" + TableName.DUCKBRIDGE_OWN
                                        + "), so it is not synced;"
                                        + " leave it out with duckbridge.sync.exclude=" + name
                                        + " or rename it in PostgreSQL"));
                continue;
            }
            List<String> otherSchemas = schemaSpellings.getOrDefault(fold(name.schema()), java.util.Set.of()).stream()
                    .filter(s -> !s.equals(name.schema()))
                    .toList();
            if (!otherSchemas.isEmpty()) {
                // one DuckDB schema for both: its name is whichever came first, and tables of the other are looked
                // up under a name DuckDB does not have
                out.put(
                        name,
                        new DuckbridgeException(
                                ErrorClass.CONFLICT,
                                "schema " + TableName.quote(name.schema()) + " of " + name + " and schema "
                                        + otherSchemas.stream()
                                                .map(TableName::quote)
                                                .collect(Collectors.joining(", "))
                                        + " would be the same DuckDB schema (DuckDB names ignore the case of letters),"
                                        + " so " + name + " is not synced; leave one schema out with"
                                        + " duckbridge.sync.exclude (e.g. duckbridge.sync.exclude="
                                        + otherSchemas.get(0) + ".*) or rename one in PostgreSQL"));
                continue;
            }
            List<TableName> others = byTarget.getOrDefault(target(name), List.of()).stream()
                    .filter(other -> !other.equals(name))
                    .toList();
            if (others.isEmpty()) {
                continue;
            }
            String names = others.stream().map(TableName::toString).collect(Collectors.joining(", "));
            out.put(
                    name,
                    new DuckbridgeException(
                            ErrorClass.CONFLICT,
                            name + " and " + names + " would be the same DuckDB table (DuckDB names ignore the case of"
                                    + " letters), so neither is synced and the DuckDB copy is left as it is; leave"
                                    + " one out with duckbridge.sync.exclude (e.g. duckbridge.sync.exclude="
                                    + others.get(0) + ") or rename one in PostgreSQL"));
        }
        return out;
    }

    /**
     * The error that fails {@code table} when two of its columns differ only in the case of letters; null when
     * DuckDB can hold its columns.
     */
    static DuckbridgeException columnClash(SourceTable table) {
        Map<String, String> byFolded = new LinkedHashMap<>();
        for (SourceColumn column : table.columns()) {
            String earlier = byFolded.putIfAbsent(fold(column.name()), column.name());
            if (earlier != null) {
                return new DuckbridgeException(
                        ErrorClass.CONFLICT,
                        table.name() + " has columns " + TableName.quote(earlier) + " and "
                                + TableName.quote(column.name())
                                + ", which DuckDB cannot tell apart (its names ignore the case of letters); rename"
                                + " one in PostgreSQL, or leave the table out with duckbridge.sync.exclude="
                                + table.name());
            }
        }
        return null;
    }

    private static List<String> target(TableName name) {
        return List.of(fold(name.schema()), fold(name.name()));
    }
}
