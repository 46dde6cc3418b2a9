// The query workspace: CodeMirror editor with catalog completion, run/cancel, result grid, error
// marker, CSV/Parquet download and a history kept in localStorage.

import { ApiError, el, newRequestId, postJson, quoteIdent, request } from './api.js';
import { renderGrid } from './grid.js';
import { clearChart, showChart } from './charts.js';

const HISTORY_KEY = 'duckbridge.history';
const HISTORY_SIZE = 50;

let editor;
let running = null;
let errorMark = null;
let lastResult = null;

export function initQuery() {
  editor = CodeMirror.fromTextArea(document.getElementById('sql'), {
    mode: 'text/x-sql',
    lineNumbers: true,
    matchBrackets: true,
    indentWithTabs: false,
    extraKeys: {
      'Ctrl-Enter': run,
      'Cmd-Enter': run,
      'Ctrl-Space': 'autocomplete',
    },
    hintOptions: { tables: {}, completeSingle: false },
  });
  window.duckbridgeEditor = editor; // for tests and the curious
  editor.on('inputRead', (cm, change) => {
    if (change.origin === '+input' && /[\w.]$/.test(change.text.join(''))) {
      cm.showHint({ completeSingle: false });
    }
  });
  editor.on('change', clearErrorMark);

  document.getElementById('run').addEventListener('click', run);
  document.getElementById('cancel').addEventListener('click', cancel);
  document.getElementById('download-csv').addEventListener('click', () => download('text/csv', 'csv'));
  document.getElementById('download-parquet').addEventListener('click',
    () => download('application/vnd.apache.parquet', 'parquet'));
  document.getElementById('history-clear').addEventListener('click', () => {
    localStorage.removeItem(HISTORY_KEY);
    renderHistory();
  });
  for (const tab of document.querySelectorAll('.result-tabs .tab')) {
    tab.addEventListener('click', () => showTab(tab.dataset.tab));
  }
  renderHistory();
}

export function refreshView() {
  editor.refresh();
}

/** Loads schema, table and column names for completion (information_schema through the query API). */
export async function loadCompletions() {
  try {
    const result = await postJson('/api/v1/query', {
      sql: `SELECT table_schema, table_name, column_name FROM information_schema.columns
            WHERE table_schema NOT IN ('information_schema', 'pg_catalog')
            ORDER BY table_schema, table_name, ordinal_position`,
      maxRows: 100000,
    });
    // keys are what completion inserts, so names that SQL would misread are quoted: public."a.b"
    const tables = {};
    for (const [schema, table, column] of result.rows) {
      const name = quoteIdent(table);
      const qualified = schema === 'main' ? name : `${quoteIdent(schema)}.${name}`;
      (tables[qualified] ||= []).push(quoteIdent(column));
      if (schema !== 'main') (tables[name] ||= []).push(quoteIdent(column));
    }
    editor.setOption('hintOptions', { tables, completeSingle: false });
  } catch {
    // completion is a convenience; the editor works without it
  }
}

function setRunning(controller) {
  running = controller;
  document.getElementById('run').disabled = !!controller;
  document.getElementById('cancel').disabled = !controller;
  document.getElementById('status').classList.toggle('busy', !!controller);
}

function requestBody() {
  return { sql: editor.getValue(), maxRows: Number(document.getElementById('max-rows').value) };
}

export async function run() {
  if (running) return;
  const body = requestBody();
  if (!body.sql.trim()) return;
  const controller = new AbortController();
  controller.requestId = newRequestId();
  setRunning(controller);
  clearError();
  const status = document.getElementById('status');
  status.textContent = 'Running…';
  const started = performance.now();
  try {
    const result = await postJson('/api/v1/query', body,
      { signal: controller.signal, requestId: controller.requestId });
    lastResult = result;
    status.replaceChildren(
      el('span', { id: 'result-rows' }, `${result.rowCount.toLocaleString()} rows`),
      ` in ${result.elapsedMs ?? Math.round(performance.now() - started)} ms`,
      result.truncated ? el('span', { id: 'result-truncated', class: 'warn' }, ' · truncated at max rows') : '',
    );
    renderGrid(document.getElementById('grid'), result);
    showChart(result);
    remember(body.sql, `${result.rowCount} rows`);
  } catch (error) {
    // the grid and chart of an earlier statement would look like this one's result
    clearResult();
    if (error.name === 'AbortError') {
      status.textContent = `Cancelled after ${Math.round(performance.now() - started)} ms`;
    } else {
      status.textContent = '';
      showError(error, body.sql);
      remember(body.sql, error.errorClass || 'error');
    }
  } finally {
    setRunning(null);
  }
}

/** Stops the running query: on the server (it would otherwise compute until its timeout), then the fetch. */
function cancel() {
  const controller = running;
  if (!controller) return;
  // the server answers 404 when the query has just finished; nothing is left to do then
  request(`/api/v1/queries/${encodeURIComponent(controller.requestId)}`, { method: 'DELETE' }).catch(() => {});
  controller.abort();
}

function clearResult() {
  lastResult = null;
  document.getElementById('grid').replaceChildren();
  clearChart();
}

function showError(error, sql) {
  const box = document.getElementById('error');
  const errorClass = error instanceof ApiError ? error.errorClass : 'NETWORK';
  box.replaceChildren(el('b', { id: 'error-class' }, errorClass), ' ', el('span', { id: 'error-detail' }, error.message));
  if (error.position !== undefined && error.position !== null) {
    const at = markError(Number(error.position), sql);
    box.append(el('span', { class: 'muted' }, ` (line ${at.line + 1}, column ${at.ch + 1})`));
  }
  box.hidden = false;
}

/**
 * The editor's index of DuckDB's position, which counts bytes of the UTF-8 text (SELECT 'é', nope: 13,
 * where the editor's nope is at 12).
 */
function charIndex(sql, byteOffset) {
  const bytes = new TextEncoder().encode(sql);
  return new TextDecoder().decode(bytes.slice(0, Math.min(Math.max(0, byteOffset), bytes.length))).length;
}

/** Underlines the token at the position DuckDB reported and moves the cursor there. */
function markError(position, sql) {
  const index = Math.min(charIndex(sql, position), sql.length);
  let end = index;
  while (end < sql.length && /[^\s,;()]/.test(sql[end])) end++;
  // at the end of the text or before a separator, mark the character before instead
  const start = end === index ? Math.max(0, index - 1) : index;
  end = Math.max(end, start + 1);
  const from = editor.posFromIndex(start);
  const to = editor.posFromIndex(Math.min(end, sql.length));
  clearErrorMark();
  errorMark = editor.markText(from, to, { className: 'cm-error-mark', title: 'error here' });
  editor.addLineClass(from.line, 'background', 'cm-error-line');
  errorMark.line = from.line;
  editor.setCursor(from);
  editor.focus();
  return from;
}

function clearErrorMark() {
  if (!errorMark) return;
  editor.removeLineClass(errorMark.line, 'background', 'cm-error-line');
  errorMark.clear();
  errorMark = null;
}

function clearError() {
  document.getElementById('error').hidden = true;
  clearErrorMark();
}

async function download(accept, extension) {
  // a download is the whole result: without maxRows the server streams every row in these formats
  const body = { sql: editor.getValue() };
  const status = document.getElementById('status');
  clearError();
  try {
    const response = await request('/api/v1/query', { method: 'POST', body, accept });
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: `duckbridge-result.${extension}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status.textContent = `Downloaded ${extension.toUpperCase()} (${blob.size.toLocaleString()} bytes)`;
  } catch (error) {
    showError(error, body.sql);
  }
}

function showTab(name) {
  for (const tab of document.querySelectorAll('.result-tabs .tab')) {
    tab.classList.toggle('active', tab.dataset.tab === name);
  }
  document.getElementById('grid').hidden = name !== 'grid';
  document.getElementById('chart-panel').hidden = name !== 'chart';
  if (name === 'chart' && lastResult) showChart(lastResult);
}

function history() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch { return []; }
}

function remember(sql, outcome) {
  const entries = history().filter((e) => e.sql !== sql);
  entries.unshift({ sql, outcome, at: new Date().toISOString() });
  localStorage.setItem(HISTORY_KEY, JSON.stringify(entries.slice(0, HISTORY_SIZE)));
  renderHistory();
}

function renderHistory() {
  const list = document.getElementById('history');
  list.replaceChildren(...history().map((entry) => el('li', {
    title: `${entry.at} · ${entry.outcome}`,
    onclick: () => { editor.setValue(entry.sql); editor.focus(); },
  }, el('code', {}, entry.sql.length > 120 ? `${entry.sql.slice(0, 120)}…` : entry.sql),
  el('small', {}, entry.outcome))));
}

