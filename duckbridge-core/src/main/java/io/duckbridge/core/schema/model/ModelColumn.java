package io.duckbridge.core.schema.model;

import io.duckbridge.core.schema.PgType;
import java.lang.reflect.Type;

/**
 * One column a Java model declares, before the sync type mapping.
 *
 * @param name the column name (from {@code @Column(name)}, {@code @JoinColumn(name)}, or the field name in
 *     snake_case)
 * @param javaType the field's generic type
 * @param pgType the PostgreSQL type the field stands for
 * @param nullable whether the column may be NULL
 */
record ModelColumn(String name, Type javaType, PgType pgType, boolean nullable) {}
