// The jobs page: filter by status (on the server), search by name (in the
// browser, over the page shown), pages through the cursor, and one row per
// job with a live progress bar and the buttons that apply.

import {describe, json} from './api.js';
import {jobActions, jobTitle} from './actions.js';
import {announce, h, fill, isTerminal, plural, statusBadge, timeEl, STATUS_LABELS} from './dom.js';
import {watch} from './live.js';
import {ProgressBar} from './progress.js';

const PAGE = 20;

// Pages survive a visit to a job and back.
const memory = {status: '', q: '', cursors: [''], index: 0};

export async function jobsView(main, {query}) {
  const status = query.get('status') || '';
  if (status !== memory.status) {
    memory.status = status;
    memory.cursors = [''];
    memory.index = 0;
  }
  const watchers = new Map();
  const rows = new Map();
  let jobs = [];
  let next = '';
  let disposed = false;
  let loadFailed = false;

  const flash = h('div', {class: 'flash', role: 'status', hidden: true});
  const report = (msg, isError) => {
    flash.hidden = false;
    flash.className = isError ? 'flash flash-error' : 'flash';
    flash.textContent = msg;
    announce(msg, isError);
  };

  const statusSelect = h('select', {id: 'status-filter', name: 'status'},
    h('option', {value: ''}, 'All statuses'),
    Object.entries(STATUS_LABELS).map(([v, l]) => h('option', {value: v, selected: v === status}, l)));
  statusSelect.addEventListener('change', () => {
    const v = statusSelect.value;
    location.hash = v ? `#/jobs?status=${encodeURIComponent(v)}` : '#/jobs';
  });
  const search = h('input', {id: 'job-search', type: 'search', name: 'q', value: memory.q, autocomplete: 'off',
    placeholder: 'Name or id', 'aria-describedby': 'search-help'});
  search.addEventListener('input', () => {
    memory.q = search.value;
    applySearch();
  });
  const countLine = h('p', {class: 'muted', id: 'jobs-count', 'aria-live': 'polite'});
  const tbody = h('tbody');
  const table = h('table', {class: 'jobs', id: 'jobs-table'},
    h('caption', {class: 'visually-hidden'}, 'Jobs, newest first'),
    h('thead', {}, h('tr', {},
      h('th', {scope: 'col'}, 'Job'),
      h('th', {scope: 'col'}, 'Status'),
      h('th', {scope: 'col', class: 'col-progress'}, 'Progress'),
      h('th', {scope: 'col'}, 'Created'),
      h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Actions')))),
    tbody);
  const empty = h('div', {class: 'empty', hidden: true});
  const newer = h('button', {type: 'button', class: 'btn', id: 'page-newer'}, '← Newer');
  const older = h('button', {type: 'button', class: 'btn', id: 'page-older'}, 'Older →');
  const pageNo = h('span', {class: 'muted', id: 'page-no'});
  const refresh = h('button', {type: 'button', class: 'btn btn-quiet', id: 'refresh'}, 'Refresh');
  newer.addEventListener('click', () => {
    if (memory.index > 0) {
      memory.index--;
      load(true);
    }
  });
  older.addEventListener('click', () => {
    if (next) {
      memory.cursors[memory.index + 1] = next;
      memory.index++;
      load(true);
    }
  });
  refresh.addEventListener('click', () => load(false));
  const pager = h('nav', {class: 'pager', 'aria-label': 'Pages of jobs', hidden: true}, newer, pageNo, older);

  fill(main,
    h('div', {class: 'page-head'},
      h('h1', {}, 'Jobs'),
      h('a', {class: 'btn btn-primary', href: '#/new'}, 'New batch')),
    h('form', {class: 'toolbar', role: 'search', 'aria-label': 'Filter jobs', onsubmit: (e) => e.preventDefault()},
      h('div', {class: 'field'}, h('label', {for: 'status-filter'}, 'Status'), statusSelect),
      h('div', {class: 'field field-grow'}, h('label', {for: 'job-search'}, 'Search'), search,
        h('span', {id: 'search-help', class: 'visually-hidden'}, 'Filters the jobs on this page by name or id as you type')),
      h('div', {class: 'field field-end'}, refresh)),
    flash,
    countLine,
    h('div', {class: 'table-wrap'}, table),
    empty,
    pager);

  function applySearch() {
    const q = memory.q.trim().toLowerCase();
    let shown = 0;
    for (const j of jobs) {
      const row = rows.get(j.id);
      if (!row) continue;
      const match = !q || (j.name || '').toLowerCase().includes(q) || j.id.toLowerCase().includes(q);
      row.tr.hidden = !match;
      if (match) shown++;
    }
    const what = status ? `${STATUS_LABELS[status].toLowerCase()} ` : '';
    countLine.textContent = jobs.length === 0 ? '' : (q ? `${shown} of ${plural(jobs.length, 'job')} on this page ${shown === 1 ? 'matches' : 'match'} “${memory.q.trim()}”.` : `${plural(jobs.length, what + 'job')} on this page.`);
    empty.hidden = shown > 0 || loadFailed;
    table.hidden = shown === 0;
    if (shown === 0 && !loadFailed) {
      fill(empty, jobs.length === 0
        ? (status ? h('p', {}, `No ${STATUS_LABELS[status].toLowerCase()} jobs.`) : [h('p', {}, 'No jobs yet.'), h('p', {}, h('a', {href: '#/new'}, 'Start a new batch'), ' from a template and a CSV.')])
        : h('p', {}, `No job on this page matches “${memory.q.trim()}”.`));
    }
  }

  function stopAll() {
    for (const w of watchers.values()) w.stop();
    watchers.clear();
  }

  function renderRow(job) {
    const old = rows.get(job.id);
    const bar = old ? old.bar : new ProgressBar(`Progress of ${jobTitle(job)}`, {compact: true});
    bar.update(job);
    const tr = h('tr', {id: `job-${job.id}`, dataset: {status: job.status}},
      h('td', {'data-label': 'Job', class: 'col-name'},
        h('a', {href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'job-link'}, jobTitle(job)),
        h('span', {class: 'muted small'}, `${job.id} · ${(job.format || 'png').toUpperCase()} · ${plural(job.total, 'recipient')}`)),
      h('td', {'data-label': 'Status', class: 'col-status'}, statusBadge(job.status)),
      h('td', {'data-label': 'Progress', class: 'col-progress'}, bar.el),
      h('td', {'data-label': 'Created', class: 'col-created'}, timeEl(job.createdAt, true)),
      h('td', {'data-label': 'Actions', class: 'col-actions'}, jobActions(job, {
        report,
        changed: (j) => update(j, true),
        deleted: () => {
          const r = rows.get(job.id);
          watchers.get(job.id)?.stop();
          watchers.delete(job.id);
          rows.delete(job.id);
          jobs = jobs.filter((x) => x.id !== job.id);
          r?.tr.remove();
          applySearch();
          (tbody.querySelector('a.job-link') || search).focus();
        },
      })));
    if (old) {
      const hadFocus = old.tr.contains(document.activeElement) ? document.activeElement.dataset.action : '';
      tr.hidden = old.tr.hidden;
      old.tr.replaceWith(tr);
      if (hadFocus) (tr.querySelector(`[data-action="${hadFocus}"]`) || tr.querySelector('a')).focus();
    } else {
      tbody.append(tr);
    }
    rows.set(job.id, {tr, bar, job});
  }

  // update re-renders a job's row after a state change and follows it
  // while it is queued or running.
  function update(job, follow) {
    const i = jobs.findIndex((x) => x.id === job.id);
    if (i >= 0) jobs[i] = job;
    if (!rows.has(job.id)) return;
    renderRow(job);
    if (follow && !isTerminal(job.status) && !watchers.has(job.id)) follow_(job);
  }

  function follow_(job) {
    const w = watch(job.id, {
      progress: (p) => {
        const r = rows.get(job.id);
        if (r) r.bar.update(p);
      },
      state: (j) => update(j, false),
      end: (j) => {
        watchers.delete(job.id);
        update(j, false);
        announce(`${jobTitle(j)}: ${STATUS_LABELS[j.status].toLowerCase()}, ${j.done} done, ${j.failed} failed.`);
      },
      gone: () => {
        watchers.delete(job.id);
        rows.get(job.id)?.tr.remove();
        rows.delete(job.id);
      },
    });
    watchers.set(job.id, w);
  }

  async function load(focusTable) {
    stopAll();
    const params = new URLSearchParams({limit: String(PAGE)});
    if (status) params.set('status', status);
    const cursor = memory.cursors[memory.index];
    if (cursor) params.set('cursor', cursor);
    main.setAttribute('aria-busy', 'true');
    try {
      const r = await json(`/jobs?${params}`);
      if (disposed) return;
      jobs = r.jobs || [];
      next = r.next || '';
      flash.hidden = true;
      loadFailed = false;
    } catch (e) {
      if (disposed) return;
      jobs = [];
      next = '';
      loadFailed = true;
      report(e.status === 401 ? 'An API key is required: enter it above.' : `The jobs could not be loaded: ${describe(e)}`, true);
    } finally {
      main.removeAttribute('aria-busy');
    }
    tbody.replaceChildren();
    rows.clear();
    for (const j of jobs) renderRow(j);
    for (const j of jobs) if (!isTerminal(j.status)) follow_(j);
    newer.disabled = memory.index === 0;
    older.disabled = !next;
    pageNo.textContent = `Page ${memory.index + 1}`;
    pager.hidden = memory.index === 0 && !next;
    applySearch();
    if (focusTable) (tbody.querySelector('a.job-link') || main.querySelector('h1')).focus();
  }

  await load(false);
  return () => {
    disposed = true;
    stopAll();
  };
}
