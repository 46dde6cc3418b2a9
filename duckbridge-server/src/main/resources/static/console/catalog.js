// The catalog browser: tables from /api/v1/tables (row counts, source, last sync) and their columns
// with DuckDB and PostgreSQL types from /api/v1/tables/{table}. Falls back to information_schema
// through the query API on a server without the tables endpoints.

import { describe, el, getJson, missing, postJson, qualifiedName } from './api.js';

// as the API's table-name parser reads it: public."a.b", not public.a.b (three parts)
const qualified = (t) => qualifiedName(t.schema, t.name);

/**
 * Whether the name can be in a URL path: Tomcat and Spring Security's firewall refuse an encoded /, \, %
 * or ; there, and GET /api/v1/tables/{table} has no other form.
 */
const fitsInPath = (name) => !/[/\\%;]/.test(name);

export async function loadCatalog() {
  const list = document.getElementById('catalog-tables');
  let tables;
  try {
    tables = await getJson('/api/v1/tables');
  } catch (error) {
    if (!missing(error)) {
      list.replaceChildren(el('li', { class: 'error-text' }, describe(error)));
      return [];
    }
    try {
      tables = await tablesFromInformationSchema();
    } catch (fallbackError) {
      list.replaceChildren(el('li', { class: 'error-text' }, describe(fallbackError)));
      return [];
    }
  }
  const bySchema = new Map();
  for (const t of tables) {
    if (!bySchema.has(t.schema)) bySchema.set(t.schema, []);
    bySchema.get(t.schema).push(t);
  }
  list.replaceChildren(...[...bySchema].map(([schema, members]) => el('li', { class: 'schema' },
    el('b', {}, schema ?? ''),
    el('ul', {}, members.map((t) => el('li', {},
      el('a', { href: '#catalog', 'data-table': qualified(t), onclick: () => showTable(t) }, t.name),
      t.rowCount !== undefined && t.rowCount !== null ? el('small', {}, ` ${Number(t.rowCount).toLocaleString()} rows`) : '',
    ))),
  )));
  if (tables.length === 0) list.replaceChildren(el('li', { class: 'muted' }, 'No tables yet: run a sync.'));
  return tables;
}

async function tablesFromInformationSchema() {
  const result = await postJson('/api/v1/query', {
    sql: `SELECT table_schema, table_name, estimated_size FROM duckdb_tables()
          WHERE NOT internal ORDER BY table_schema, table_name`,
  });
  return result.rows.map(([schema, name, rows]) => ({ schema, name, rowCount: rows, fromInformationSchema: true }));
}

async function showTable(table) {
  const detail = document.getElementById('catalog-detail');
  detail.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  let info = table;
  let columns;
  let note = null;
  try {
    if (!fitsInPath(qualified(table))) {
      note = 'This name holds a /, \\, % or ;, which the server refuses in a URL, so its columns come from '
        + 'DuckDB\'s catalog and their PostgreSQL types are not shown.';
      columns = await columnsFromInformationSchema(table);
    } else {
      try {
        info = { ...table, ...(await getJson(`/api/v1/tables/${encodeURIComponent(qualified(table))}`)) };
        columns = info.columns || [];
      } catch (error) {
        if (!missing(error)) throw error;
        columns = await columnsFromInformationSchema(table);
      }
    }
  } catch (error) {
    detail.replaceChildren(el('p', { class: 'error-text' }, describe(error)));
    return;
  }
  const sync = info.lastSync || info.syncState || info.sync;
  detail.replaceChildren(
    el('h2', {}, qualified(info)),
    note ? el('p', { class: 'muted', id: 'catalog-note' }, note) : '',
    el('dl', {},
      el('dt', {}, 'Rows'), el('dd', {}, info.rowCount === undefined || info.rowCount === null ? '?' : Number(info.rowCount).toLocaleString()),
      el('dt', {}, 'Source'), el('dd', {}, info.source ?? '—'),
      el('dt', {}, 'Last sync'), el('dd', {}, sync ? describeSync(sync) : '—')),
    el('table', { class: 'columns' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Column'), el('th', {}, 'DuckDB type'), el('th', {}, 'PostgreSQL type'), el('th', {}, 'Nullable'))),
      el('tbody', {}, columns.map((c) => el('tr', {},
        el('td', {}, c.name),
        el('td', {}, c.duckdbType ?? c.duckDbType ?? c.type ?? ''),
        el('td', {}, c.postgresType ?? c.pgType ?? c.sourceType ?? ''),
        el('td', {}, c.nullable === undefined ? '' : c.nullable ? 'yes' : 'no'))))),
  );
}

async function columnsFromInformationSchema(table) {
  const result = await postJson('/api/v1/query', {
    sql: `SELECT column_name, data_type, is_nullable FROM information_schema.columns
          WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
    params: [table.schema, table.name],
  });
  return result.rows.map(([name, type, nullable]) => ({ name, duckdbType: type, nullable: nullable === 'YES' }));
}

function describeSync(sync) {
  if (typeof sync !== 'object') return String(sync);
  const when = sync.finishedAt || sync.syncedAt || sync.at || sync.lastSyncAt || '';
  const parts = [sync.status, sync.mode, when, sync.rows !== undefined ? `${sync.rows} rows` : null].filter(Boolean);
  return parts.length ? parts.join(' · ') : JSON.stringify(sync);
}
