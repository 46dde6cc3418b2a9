// The operations page: health, jobs with live progress bars, sync (admin), CDC with lag, exports and
// backups with validate/restore (admin, with confirmation). Polls while the page is visible.

import {
  describe, el, formatBytes, getJson, isAdmin, missing, postJson, qualifiedName, request,
} from './api.js';

const POLL_MS = 1000;
let timer = null;
// counts startPolling/stopPolling calls: a tick that was awaiting its requests when polling stopped (or
// restarted) sees a newer generation and sets no timer, so no loop outlives the page
let generation = 0;

export function initOperations() {
  document.getElementById('sync-form').addEventListener('submit', startSync);
  document.getElementById('cdc-start').addEventListener('click', () => act('/api/v1/cdc/start', 'CDC started'));
  document.getElementById('cdc-stop').addEventListener('click', () => act('/api/v1/cdc/stop', 'CDC stopped'));
  document.getElementById('backup-create').addEventListener('click', () => act('/api/v1/backups', 'Backup started'));
  document.getElementById('export-form').addEventListener('submit', startExport);
}

export function startPolling(tables) {
  const datalist = document.getElementById('sync-tables');
  datalist.replaceChildren(...(tables || []).map((t) => el('option', { value: qualifiedName(t.schema, t.name) })));
  stopPolling();
  const current = generation;
  const tick = async () => {
    await Promise.all([health(), jobs(), cdc(), backups()]);
    if (current === generation) timer = setTimeout(tick, POLL_MS);
  };
  tick();
}

export function stopPolling() {
  generation++;
  clearTimeout(timer);
  timer = null;
}

function message(text, isError = false) {
  const box = document.getElementById('sync-message');
  box.textContent = text;
  box.className = isError ? 'error-text' : 'muted';
}

async function act(path, done) {
  try {
    const body = await (await request(path, { method: 'POST' })).json().catch(() => ({}));
    message(done);
    if (body.jobId) watchJob(body.jobId);
  } catch (error) {
    message(describe(error), true);
  }
}

async function startSync(event) {
  event.preventDefault();
  const table = document.getElementById('sync-table').value.trim();
  const mode = document.getElementById('sync-mode').value;
  // the name goes in the query string: Tomcat refuses an encoded / or % in a path (table names may hold them)
  const query = new URLSearchParams({ mode, wait: 'false' });
  if (table) query.set('table', table);
  try {
    const { jobId } = await postJson(`/api/v1/sync?${query}`);
    message(`Sync job ${jobId} started`);
    watchJob(jobId);
  } catch (error) {
    message(describe(error), true);
  }
}

async function startExport(event) {
  event.preventDefault();
  const table = document.getElementById('export-table').value.trim();
  const target = document.getElementById('export-target').value.trim();
  try {
    const { jobId } = await postJson('/api/v1/exports', { table, target });
    message(`Export job ${jobId} started`);
    watchJob(jobId);
  } catch (error) {
    message(describe(error), true);
  }
}

/** Follows one job through GET /api/v1/jobs/{id} with a progress bar until it ends. */
async function watchJob(jobId) {
  const box = document.getElementById('job-watch');
  const row = el('div', { class: 'watched', 'data-job': jobId });
  box.prepend(row);
  for (;;) {
    let job;
    try {
      job = await getJson(`/api/v1/jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      row.replaceChildren(el('span', { class: 'error-text' }, describe(error)));
      return;
    }
    row.dataset.status = job.status;
    row.replaceChildren(el('code', {}, job.id), ` ${job.kind} `, el('span', { class: `badge ${job.status}` }, job.status),
      progressBar(job), job.error ? el('span', { class: 'error-text' }, `${job.error.errorClass}: ${job.error.detail}`) : '');
    if (TERMINAL.includes(job.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Fills box from loader(); a 404 means the feature is not on this server. */
async function section(id, loader, render) {
  const box = document.getElementById(id);
  try {
    render(box, await loader());
    box.closest('.card').classList.remove('absent');
  } catch (error) {
    box.closest('.card').classList.toggle('absent', missing(error));
    box.replaceChildren(el('p', { class: missing(error) ? 'muted' : 'error-text' },
      missing(error) ? 'Not available on this server.' : describe(error)));
  }
}

function health() {
  return section('health', () => request('/actuator/health').catch((e) => {
    // a DOWN health answers 503 with the same body
    if (e.status === 503 && e.problem.status) return { json: () => e.problem };
    throw e;
  }).then((r) => r.json()), (box, h) => {
    const components = Object.entries(h.components || {});
    box.replaceChildren(
      el('p', {}, el('span', { id: 'health-status', class: `badge ${h.status}` }, h.status)),
      el('table', { class: 'kv' }, el('tbody', {}, components.map(([name, c]) => el('tr', {},
        el('td', {}, name), el('td', {}, el('span', { class: `badge ${c.status}` }, c.status)),
        el('td', { class: 'muted' }, summary(c.details))))),
      ),
    );
  });
}

function summary(details) {
  if (!details) return '';
  return Object.entries(details).slice(0, 4)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
}

function progressBar(job) {
  const { done = 0, total, unit = '' } = job.progress || {};
  const finished = job.status === 'succeeded';
  const pct = finished ? 100 : total ? Math.min(100, Math.floor((100 * done) / total)) : 0;
  return el('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': pct, 'aria-valuemin': 0, 'aria-valuemax': 100 },
    bar(pct),
    el('span', {}, `${pct}% · ${Number(done).toLocaleString()}${total ? ` / ${Number(total).toLocaleString()}` : ''} ${unit}`));
}

/** The filled part of a progress bar; its width is set through the CSSOM, which style-src 'self' allows. */
function bar(pct) {
  const node = el('div', { class: 'bar' });
  node.style.width = `${pct}%`;
  return node;
}

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

async function cancelJob(id) {
  try {
    await request(`/api/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
    message(`Cancel requested for job ${id}`);
  } catch (error) {
    message(describe(error), true);
  }
}

function jobRow(job) {
  const cancel = isAdmin() && !TERMINAL.includes(job.status)
    ? el('button', {
      type: 'button', class: 'admin-only', onclick: () => cancelJob(job.id),
    }, 'Cancel')
    : '';
  return el('tr', { 'data-job': job.id, 'data-kind': job.kind, 'data-status': job.status },
    el('td', {}, el('code', {}, job.id)),
    el('td', {}, job.kind),
    el('td', {}, job.description || ''),
    el('td', {}, el('span', { class: `badge ${job.status}` }, job.status)),
    el('td', { class: 'progress-cell' }, progressBar(job)),
    el('td', { class: 'error-text' }, job.error ? `${job.error.errorClass}: ${job.error.detail}` : ''),
    el('td', {}, cancel));
}

function exportLine(job) {
  const outcome = job.result ? `${job.result.rows ?? '?'} rows, ${(job.result.files || []).length} files` : (job.description || '');
  return el('li', {}, `${job.id} · ${job.status} · ${outcome}`);
}

function jobs() {
  return section('jobs', () => getJson('/api/v1/jobs'), (box, list) => {
    box.replaceChildren(list.length === 0
      ? el('p', { class: 'muted' }, 'No jobs yet.')
      : el('table', { class: 'jobs' }, el('tbody', {}, list.map(jobRow))));
    const exports = list.filter((j) => j.kind === 'export');
    document.getElementById('exports').replaceChildren(exports.length === 0
      ? el('p', { class: 'muted' }, 'No exports yet.')
      : el('ul', {}, exports.map(exportLine)));
  });
}

function cdc() {
  return section('cdc', () => getJson('/api/v1/cdc'), (box, s) => {
    box.replaceChildren(el('table', { class: 'kv' }, el('tbody', {},
      [['state', s.state], ['slot', s.slot], ['publication', s.publication], ['confirmed LSN', s.confirmedLsn],
        // the API says -1 when the lag is unknown (CDC stopped, no slot yet)
        ['lag', s.lagBytes < 0 ? 'unknown' : `${formatBytes(s.lagBytes)} · ${s.lagSeconds ?? '?'} s`],
        ['applied changes', s.appliedChanges],
        ['changes/s', s.changesPerSecond]]
        .map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', { id: `cdc-${k.replace(/\W+/g, '-')}` }, v ?? '—'))))));
  });
}

/** What the last validation of a backup found: "valid", "invalid: <problems>", or nothing before one. */
function validationText(v) {
  if (!v) {
    return 'not validated';
  }
  return v.valid ? 'valid' : 'invalid: ' + (v.problems || []).join('; ');
}

function backups() {
  return section('backups', () => getJson('/api/v1/backups'), (box, list) => {
    const items = Array.isArray(list) ? list : list.backups || [];
    if (items.length === 0) {
      box.replaceChildren(el('p', { class: 'muted' }, 'No backups yet.'));
      return;
    }
    box.replaceChildren(el('table', {}, el('tbody', {}, items.map((b) => el('tr', { 'data-backup': b.id },
      el('td', {}, el('code', {}, b.id)),
      el('td', {}, b.createdAt || ''),
      el('td', {}, formatBytes(b.sizeBytes)),
      el('td', {}, Object.keys(b.tables || {}).length, ' tables'),
      el('td', { class: 'backup-status' }, validationText(b.lastValidation)),
      el('td', {}, isAdmin() ? [
        el('button', { type: 'button', class: 'admin-only', onclick: () => validate(b.id) }, 'Validate'),
        el('button', { type: 'button', class: 'admin-only danger', onclick: () => restore(b.id) }, 'Restore'),
      ] : ''))))));
  });
}

async function validate(id) {
  try {
    const r = await postJson(`/api/v1/backups/${encodeURIComponent(id)}/validate`);
    message(r.valid ? `Backup ${id} is valid` : `Backup ${id} is NOT valid: ${(r.problems || []).map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('; ')}`, !r.valid);
    await backups(); // the list shows each backup's last validation
  } catch (error) {
    message(describe(error), true);
  }
}

async function restore(id) {
  if (!window.confirm(`Restore backup ${id}? The current database is replaced by the backup's contents.`)) return;
  try {
    const { jobId } = await postJson(`/api/v1/backups/${encodeURIComponent(id)}/restore`);
    message(`Restore job ${jobId} started`);
    watchJob(jobId);
  } catch (error) {
    message(describe(error), true);
  }
}
