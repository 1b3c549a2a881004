// The fabricpress dashboard: a hash router over three pages (jobs, a job,
// a new batch) and the API key form.

import {getConfig, getKey, loadConfig, onUnauthorized, setKey} from './api.js';
import {announce, focusHeading, h, fill} from './dom.js';
import {jobView} from './job.js';
import {jobsView} from './jobs.js';
import {newView} from './new.js';

const routes = [
  {re: /^\/jobs\/?$/, view: jobsView, title: 'Jobs', nav: 'jobs'},
  {re: /^\/jobs\/([^/]+)$/, view: jobView, title: 'Job', nav: 'jobs'},
  {re: /^\/new\/?$/, view: newView, title: 'New batch', nav: 'new'},
];

const main = document.getElementById('main');
let cleanup = null;
let firstRender = true;
let renderSeq = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/jobs';
  const [path, qs] = raw.split('?');
  return {path: path || '/jobs', query: new URLSearchParams(qs || '')};
}

async function render() {
  const seq = ++renderSeq;
  if (cleanup) {
    try {
      cleanup();
    } catch {
      // a view's cleanup must not stop the next view
    }
    cleanup = null;
  }
  const {path, query} = parseHash();
  let route = null, params = [];
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      route = r;
      params = m.slice(1).map(decodeURIComponent);
      break;
    }
  }
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (route && a.dataset.nav === route.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!route) {
    document.title = 'Not found · fabricpress';
    fill(main, h('h1', {}, 'Page not found'), h('p', {}, 'There is nothing at ', h('code', {}, location.hash), '. ', h('a', {href: '#/jobs'}, 'Go to the jobs'), '.'));
    focusHeading(main);
    return;
  }
  document.title = `${route.title} · fabricpress`;
  main.setAttribute('aria-busy', 'true');
  let c;
  try {
    c = await route.view(main, {params, query, rerender: render});
  } catch (e) {
    console.error(e);
    fill(main, h('h1', {}, route.title), h('p', {class: 'flash flash-error', role: 'alert'}, `Something went wrong: ${e.message}`));
  }
  main.removeAttribute('aria-busy');
  if (seq !== renderSeq) {
    if (typeof c === 'function') c(); // a newer navigation won
    return;
  }
  cleanup = typeof c === 'function' ? c : null;
  if (!firstRender) focusHeading(main);
  firstRender = false;
}

// ---- API key ----------------------------------------------------------
const keyPanel = document.getElementById('key-panel');
const keyForm = document.getElementById('key-form');
const keyInput = document.getElementById('key-input');
const keyError = document.getElementById('key-error');
const keyButton = document.getElementById('key-button');

function showKeyPanel(message, focus = true) {
  const wasHidden = keyPanel.hidden;
  keyPanel.hidden = false;
  keyButton.hidden = false;
  keyButton.setAttribute('aria-expanded', 'true');
  keyError.hidden = !message;
  keyError.textContent = message || '';
  if (wasHidden && focus) keyInput.focus();
}

function hideKeyPanel() {
  keyPanel.hidden = true;
  keyButton.setAttribute('aria-expanded', 'false');
}

keyButton.addEventListener('click', () => {
  if (keyPanel.hidden) showKeyPanel('');
  else hideKeyPanel();
});
keyForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const k = keyInput.value.trim();
  if (!k) {
    keyError.hidden = false;
    keyError.textContent = 'Enter a key.';
    keyInput.focus();
    return;
  }
  setKey(k);
  keyInput.value = '';
  hideKeyPanel();
  announce('API key saved.');
  render();
});
document.getElementById('key-forget').addEventListener('click', () => {
  setKey('');
  keyInput.value = '';
  announce('API key removed from this browser.');
  if (getConfig().keysRequired) {
    showKeyPanel('');
    keyInput.focus();
  } else {
    hideKeyPanel();
  }
  render();
});
document.getElementById('key-close').addEventListener('click', () => {
  hideKeyPanel();
  keyButton.focus();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !keyPanel.hidden && keyPanel.contains(document.activeElement)) {
    hideKeyPanel();
    keyButton.focus();
  }
});

onUnauthorized(() => {
  showKeyPanel(getKey() ? 'The server refused this key. Check it and save it again.' : '', true);
});

// ---- start ------------------------------------------------------------------
async function start() {
  const cfg = await loadConfig();
  if (cfg.keysRequired || getKey()) keyButton.hidden = false;
  if (cfg.keysRequired && !getKey()) showKeyPanel('', true);
  window.addEventListener('hashchange', render);
  if (!location.hash) history.replaceState(null, '', '#/jobs');
  await render();
}

start();
