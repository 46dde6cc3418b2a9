package io.duckbridge.spring.models;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.CatalogReader;
import io.duckbridge.core.schema.SourceTable;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.schema.model.ModelSchema;
import io.duckbridge.core.schema.model.SchemaMismatch;
import io.duckbridge.core.source.PostgresSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Compares the registered models with the PostgreSQL catalog through the sync's type mapping. The models are
 * read once (a class that cannot be read stops startup with the reason); the catalog is read on every check.
 * Thread-safe.
 */
public final class ModelCheck {
    private final List<ModelSchema> models;
    private final Supplier<PostgresSource> source;
    private final TypeMapping mapping;

    public ModelCheck(List<Class<?>> classes, Supplier<PostgresSource> source, TypeMapping mapping) {
        Set<Class<?>> unique = new LinkedHashSet<>(classes);
        List<ModelSchema> read = new ArrayList<>();
        for (Class<?> c : unique) {
            read.add(ModelSchema.of(c));
        }
        this.models = List.copyOf(read);
        this.source = source;
        this.mapping = mapping;
    }

    /** Loads {@code names} with {@code loader}; an unknown name fails naming the setting. */
    public static List<Class<?>> load(List<String> names, ClassLoader loader) {
        List<Class<?>> out = new ArrayList<>();
        for (String name : names) {
            try {
                out.add(Class.forName(name.strip(), false, loader));
            } catch (ClassNotFoundException | LinkageError e) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "duckbridge.models.classes names " + name
                                + ", which is not on the class path; use the fully qualified class name");
            }
        }
        return out;
    }

    public List<ModelSchema> models() {
        return models;
    }

    /** Every model compared with PostgreSQL now. */
    public List<ModelReport> check() {
        List<ModelReport> out = new ArrayList<>();
        if (models.isEmpty()) {
            return out;
        }
        PostgresSource pg = source.get();
        if (pg == null) {
            for (ModelSchema m : models) {
                out.add(report(m, List.of(), "no PostgreSQL source is configured (duckbridge.postgres.url)"));
            }
            return out;
        }
        try (Connection c = pg.connect()) {
            CatalogReader catalog = new CatalogReader();
            for (ModelSchema m : models) {
                SourceTable table = catalog.read(c, m.name()).orElse(null);
                out.add(report(m, m.compare(table, mapping), null));
            }
        } catch (SQLException | DuckbridgeException e) {
            out.clear();
            for (ModelSchema m : models) {
                out.add(report(m, List.of(), "PostgreSQL could not be read: " + e.getMessage()));
            }
        }
        return out;
    }

    private ModelReport report(ModelSchema m, List<SchemaMismatch> mismatches, String error) {
        List<ModelReport.Column> columns = new ArrayList<>();
        Map<String, String> types = m.duckDbTypes(mapping);
        m.asSourceTable()
                .columns()
                .forEach(c -> columns.add(new ModelReport.Column(
                        c.name(),
                        types.get(c.name()),
                        c.nullable(),
                        m.primaryKey().contains(c.name()))));
        return new ModelReport(
                m.type().getName(),
                m.name().toString(),
                columns,
                m.ddl(mapping),
                error == null && mismatches.isEmpty(),
                mismatches,
                error);
    }
}
