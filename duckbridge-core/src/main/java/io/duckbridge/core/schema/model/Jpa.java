package io.duckbridge.core.schema.model;

import io.duckbridge.core.schema.TableName;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToMany;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OneToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import java.lang.reflect.AnnotatedElement;

/**
 * The {@code jakarta.persistence} annotations {@link ModelSchema} reads. Loaded only when the annotations are
 * on the class path ({@code jakarta.persistence-api} is an optional dependency).
 */
final class Jpa {
    private Jpa() {}

    static boolean isId(AnnotatedElement e) {
        if (e.isAnnotationPresent(EmbeddedId.class)) {
            throw new io.duckbridge.core.error.DuckbridgeException(
                    io.duckbridge.core.error.ErrorClass.INVALID_REQUEST,
                    "@EmbeddedId is not supported in a model; declare the key columns as fields with @Id");
        }
        return e.isAnnotationPresent(Id.class);
    }

    static boolean skipped(AnnotatedElement e) {
        return e.isAnnotationPresent(Transient.class)
                || e.isAnnotationPresent(OneToMany.class)
                || e.isAnnotationPresent(ManyToMany.class)
                || e.isAnnotationPresent(ElementCollection.class);
    }

    static boolean isToOne(AnnotatedElement e) {
        return e.isAnnotationPresent(ManyToOne.class) || e.isAnnotationPresent(OneToOne.class);
    }

    static String joinColumnName(AnnotatedElement e) {
        JoinColumn j = e.getAnnotation(JoinColumn.class);
        return j == null || j.name().isEmpty() ? null : j.name();
    }

    static String columnName(AnnotatedElement e) {
        Column c = e.getAnnotation(Column.class);
        return c == null || c.name().isEmpty() ? null : c.name();
    }

    static boolean notNull(AnnotatedElement e) {
        Column c = e.getAnnotation(Column.class);
        JoinColumn j = e.getAnnotation(JoinColumn.class);
        ManyToOne m = e.getAnnotation(ManyToOne.class);
        return (c != null && !c.nullable()) || (j != null && !j.nullable()) || (m != null && !m.optional());
    }

    /** {@code [precision, scale]} from {@code @Column}, or null without one. */
    static int[] precisionScale(AnnotatedElement e) {
        Column c = e.getAnnotation(Column.class);
        return c == null ? null : new int[] {c.precision(), c.scale()};
    }

    /** {@code @Column(length)} when a {@code @Column} is present (JPA's default is 255), else null. */
    static Integer length(AnnotatedElement e) {
        Column c = e.getAnnotation(Column.class);
        return c == null ? null : c.length();
    }

    static boolean isEntityOrAnnotated(Class<?> owner, AnnotatedElement e) {
        return owner.isAnnotationPresent(Entity.class) || e.isAnnotationPresent(Enumerated.class);
    }

    static boolean enumeratedAsString(AnnotatedElement e) {
        Enumerated en = e.getAnnotation(Enumerated.class);
        return en != null && en.value() == EnumType.STRING;
    }

    static TableName tableName(Class<?> type) {
        Table t = type.getAnnotation(Table.class);
        Entity entity = type.getAnnotation(Entity.class);
        String name = t != null && !t.name().isEmpty()
                ? t.name()
                : entity != null && !entity.name().isEmpty() ? entity.name() : null;
        String schema = t != null && !t.schema().isEmpty() ? t.schema() : null;
        if (name == null && schema == null) {
            return null;
        }
        return new TableName(
                schema != null ? ModelSchema.physical(schema) : "public",
                ModelSchema.physical(name != null ? name : type.getSimpleName()));
    }
}
