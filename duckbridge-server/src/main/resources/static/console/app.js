// Console start-up: find out who the caller is (GET /api/v1/auth/me), ask for an API key when the
// server needs one, then show the view named in the URL's hash.

import { ApiError, auth, getJson } from './api.js';
import { initQuery, loadCompletions, refreshView } from './query.js';
import { initCharts } from './charts.js';
import { loadCatalog } from './catalog.js';
import { initOperations, startPolling, stopPolling } from './operations.js';

const login = document.getElementById('login');
let tables = [];

async function whoAmI() {
  try {
    const me = await getJson('/api/v1/auth/me');
    document.body.dataset.role = me.role;
    document.getElementById('whoami').textContent = `${me.name} · ${me.role}`;
    document.getElementById('sign-out').hidden = !auth.key();
    return true;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      askForKey(auth.key() ? 'That key was not accepted.' : '');
      return false;
    }
    throw error;
  }
}

function askForKey(problem) {
  document.body.dataset.role = '';
  document.getElementById('login-error').textContent = problem;
  if (!login.open) login.showModal();
  document.getElementById('api-key').focus();
}

function show(view) {
  const name = ['query', 'catalog', 'operations'].includes(view) ? view : 'query';
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${name}`;
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.view === name);
  if (name === 'operations') startPolling(tables); else stopPolling();
  if (name === 'query') refreshView();
  if (name === 'catalog') loadCatalog().then((t) => { tables = t; });
}

async function start() {
  if (!(await whoAmI())) return;
  show(location.hash.slice(1));
  loadCompletions();
  loadCatalog().then((t) => { tables = t; }).catch(() => {});
}

document.getElementById('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  auth.set(document.getElementById('api-key').value.trim());
  login.close();
  start();
});
document.getElementById('sign-out').addEventListener('click', () => {
  auth.clear();
  location.reload();
});
auth.onUnauthorized(() => askForKey('Your API key is no longer accepted.'));
window.addEventListener('hashchange', () => show(location.hash.slice(1)));

initQuery();
initCharts();
initOperations();
start();
