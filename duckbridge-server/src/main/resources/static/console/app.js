// Console start-up: find out who the caller is (GET /api/v1/auth/me), ask for an API key when the
// server needs one, then show the view named in the URL's hash.

import { ApiError, auth, describe, el, getJson } from './api.js';
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
  // nothing polls behind the dialog: each poll would answer 401 and open it again
  stopPolling();
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

/** Says why the console cannot start (server unreachable, or auth/me failing) instead of a blank page. */
function startupFailed(error) {
  const banner = document.getElementById('startup-error');
  banner.replaceChildren(
    'The console could not ask the server who you are (GET /api/v1/auth/me): ', describe(error),
    error.errorClass === 'NETWORK' ? '. Check that the Duckbridge server is running and reachable. ' : '. ',
    el('button', { type: 'button', onclick: start }, 'Try again'));
  banner.hidden = false;
}

async function start() {
  document.getElementById('startup-error').hidden = true;
  try {
    if (!(await whoAmI())) return;
  } catch (error) {
    startupFailed(error);
    return;
  }
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
