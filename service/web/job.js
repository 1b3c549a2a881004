// The job page: live progress with counts, rate, ETA and the current
// recipient; the timeline; the buttons that apply; downloads (the ZIP and,
// for merged PDF jobs, each merged PDF); the failed recipients with their
// CSV line and reason. When the job finishes while the page is open, a
// notice appears, takes the focus and is announced.

import {apiPath, describe, json, request} from './api.js';
import {downloadControl, jobActions, jobTitle} from './actions.js';
import {announce, fill, fmtDuration, fmtNumber, h, isTerminal, plural, statusBadge, timeEl} from './dom.js';
import {watch} from './live.js';
import {ProgressBar} from './progress.js';
import {slug} from './slug.js';

export async function jobView(main, {params}) {
  const id = params[0];
  const base = `/jobs/${encodeURIComponent(id)}`;
  let job;
  try {
    job = await json(base);
  } catch (e) {
    fill(main,
      h('p', {class: 'back'}, h('a', {href: '#/jobs'}, '← All jobs')),
      h('h1', {}, `Job ${id}`),
      h('p', {class: 'flash flash-error', role: 'alert'}, e.status === 404 ? 'There is no such job (it may have been deleted, or belong to another API key).' : describe(e)));
    return null;
  }
  let watcher = null;
  let disposed = false;
  let lastProgress = null;

  const flash = h('div', {class: 'flash', role: 'status', hidden: true});
  const report = (msg, isError) => {
    flash.hidden = false;
    flash.className = isError ? 'flash flash-error' : 'flash';
    flash.textContent = msg;
    announce(msg, isError);
  };
  const title = h('h1', {id: 'job-title'});
  const badge = h('span', {id: 'job-status'});
  const meta = h('p', {class: 'muted'});
  const notice = h('div', {id: 'job-notice', class: 'notice', tabindex: '-1', hidden: true});
  const bar = new ProgressBar(`Progress of ${jobTitle(job)}`);
  bar.bar.id = 'job-progress';
  const stats = h('dl', {class: 'stats', id: 'job-stats'});
  const mode = h('p', {class: 'muted small', id: 'live-mode'});
  const actions = h('div', {id: 'job-actions'});
  const timeline = h('ol', {class: 'timeline', id: 'job-timeline'});
  const downloads = h('div', {id: 'job-downloads'});
  const failures = h('div', {id: 'job-failures'});
  const errorBox = h('p', {class: 'flash flash-error', hidden: true});

  fill(main,
    h('p', {class: 'back'}, h('a', {href: '#/jobs'}, '← All jobs')),
    h('div', {class: 'page-head'}, h('div', {}, title, meta), badge),
    flash,
    notice,
    errorBox,
    h('section', {class: 'card', 'aria-labelledby': 'progress-h'},
      h('h2', {id: 'progress-h'}, 'Progress'),
      bar.el, stats, mode, actions),
    h('div', {class: 'two-col'},
      h('section', {class: 'card', 'aria-labelledby': 'timeline-h'}, h('h2', {id: 'timeline-h'}, 'Timeline'), timeline),
      h('section', {class: 'card', 'aria-labelledby': 'downloads-h'}, h('h2', {id: 'downloads-h'}, 'Downloads'), downloads)),
    h('section', {class: 'card', 'aria-labelledby': 'failures-h'}, h('h2', {id: 'failures-h'}, 'Failed recipients'), failures));

  function renderStats(p) {
    const pending = Math.max(0, (p.total || 0) - (p.done || 0) - (p.failed || 0));
    const items = [
      ['Total', fmtNumber(p.total)],
      ['Done', fmtNumber(p.done)],
      ['Failed', fmtNumber(p.failed)],
      ['Pending', fmtNumber(pending)],
    ];
    if (!isTerminal(p.status)) {
      items.push(['Rate', p.rate ? `${p.rate.toFixed(1)}/s` : '—']);
      items.push(['ETA', p.etaSeconds > 0 ? fmtDuration(p.etaSeconds) : '—']);
      items.push(['Current recipient', p.current ? `row ${fmtNumber(p.current.row)}${p.current.name ? ` · ${p.current.name}` : ''}` : '—']);
    }
    fill(stats, items.map(([k, v]) => h('div', {class: `stat stat-${k.toLowerCase().replace(/ /g, '-')}${k === 'Failed' && p.failed ? ' has-failed' : ''}`},
      h('dt', {}, k), h('dd', {}, v))));
  }

  function renderTimeline() {
    const t = (iso) => (iso ? new Date(iso).getTime() : 0);
    const step = (label, iso, note, done) => h('li', {class: done ? 'done' : 'todo'},
      h('span', {class: 'tl-label'}, label), ' ',
      iso ? timeEl(iso) : h('span', {class: 'muted'}, note || 'not yet'),
      iso && note ? h('span', {class: 'muted small'}, ` · ${note}`) : null);
    const items = [step('Created', job.createdAt, '', true)];
    if (job.startedAt) {
      items.push(step('Started', job.startedAt, `waited ${fmtDuration((t(job.startedAt) - t(job.createdAt)) / 1000)}`, true));
    } else {
      items.push(step('Started', '', job.status === 'cancelled' ? 'never started' : 'waiting for a worker', false));
    }
    if (job.finishedAt) {
      const from = job.startedAt || job.createdAt;
      const label = {cancelled: 'Cancelled', failed: 'Failed'}[job.status] || 'Finished';
      items.push(step(label, job.finishedAt, `took ${fmtDuration((t(job.finishedAt) - t(from)) / 1000)}`, true));
    } else {
      items.push(step('Finished', '', 'still running', false));
    }
    fill(timeline, items);
  }

  async function renderDownloads() {
    if (!isTerminal(job.status)) {
      fill(downloads, h('p', {class: 'muted'}, 'The ZIP of all pieces (with manifest.csv) can be downloaded when the job finishes.'));
      return;
    }
    if (!job.done) {
      fill(downloads, h('p', {class: 'muted'}, 'This job produced no pieces.'));
      return;
    }
    const list = h('ul', {class: 'downloads'},
      h('li', {}, downloadControl(job.links.download, 'Download ZIP', '', `${slug(job.name) || job.id}.zip`, report, {id: 'download-zip'}),
        h('span', {class: 'muted small note'}, `${plural(job.done, 'piece')} and manifest.csv`)));
    fill(downloads, list);
    if (job.format === 'pdf') {
      // The API has no list of merged PDFs: they are named <slug>-0001.pdf
      // and on; ask for the first byte of each until one is missing.
      const name = slug(job.name) || job.id;
      for (let i = 1; i <= 200 && !disposed; i++) {
        const file = `${name}-${String(i).padStart(4, '0')}.pdf`;
        const link = `${apiPath(job.links.download)}?file=${encodeURIComponent(file)}`;
        try {
          await request(link, {headers: {Range: 'bytes=0-0'}});
        } catch {
          break;
        }
        list.append(h('li', {}, downloadControl(link, `Merged PDF ${i}`, '', file, report, {dataset: {merged: file}}),
          h('span', {class: 'muted small note'}, file)));
      }
    }
  }

  async function renderFailures(after) {
    if (!job.failed) {
      fill(failures, h('p', {class: 'muted'}, isTerminal(job.status) ? 'No recipient failed.' : 'None so far.'));
      return;
    }
    let tbody = failures.querySelector('tbody');
    if (!after || !tbody) {
      tbody = h('tbody');
      fill(failures,
        h('p', {}, `${plural(job.failed, 'recipient')} failed. Fix these rows in the CSV, or retry them if the cause was passing.`),
        h('div', {class: 'table-wrap'}, h('table', {class: 'failures', id: 'failures-table'},
          h('caption', {class: 'visually-hidden'}, 'Failed recipients'),
          h('thead', {}, h('tr', {},
            h('th', {scope: 'col'}, 'Row'),
            h('th', {scope: 'col'}, 'CSV line'),
            h('th', {scope: 'col'}, 'Name'),
            h('th', {scope: 'col'}, 'Reason'))),
          tbody)));
    }
    const q = new URLSearchParams({status: 'failed', limit: '100'});
    if (after) q.set('after', String(after));
    let r;
    try {
      r = await json(`${base}/recipients?${q}`);
    } catch (e) {
      failures.append(h('p', {class: 'flash flash-error'}, `The failed recipients could not be loaded: ${describe(e)}`));
      return;
    }
    failures.querySelector('.more')?.remove();
    for (const x of r.recipients) {
      tbody.append(h('tr', {},
        h('td', {'data-label': 'Row'}, fmtNumber(x.row)),
        h('td', {'data-label': 'CSV line'}, x.line ? fmtNumber(x.line) : '—'),
        h('td', {'data-label': 'Name'}, x.name || '—'),
        h('td', {'data-label': 'Reason', class: 'reason'}, x.error || '—')));
    }
    if (r.next && r.recipients.length) {
      const last = r.recipients[r.recipients.length - 1].row;
      const more = h('button', {type: 'button', class: 'btn more'}, 'Show more failed recipients');
      more.addEventListener('click', async () => {
        const firstNew = tbody.rows.length;
        await renderFailures(last);
        tbody.rows[firstNew]?.querySelector('td')?.setAttribute('tabindex', '-1');
        tbody.rows[firstNew]?.querySelector('td')?.focus();
      });
      failures.append(more);
    }
  }

  function renderActions() {
    fill(actions, jobActions(job, {
      report,
      download: false, // the Downloads card has it
      changed: (j) => {
        setJob(j);
        follow();
      },
      deleted: () => {
        location.hash = '#/jobs';
      },
    }));
  }

  function setJob(j) {
    job = j;
    document.title = `${jobTitle(job)} · fabricpress`;
    title.textContent = jobTitle(job);
    fill(badge, statusBadge(job.status));
    meta.textContent = `${job.id} · ${(job.format || 'png').toUpperCase()} · ${plural(job.total, 'recipient')}`;
    if (!isTerminal(job.status)) notice.hidden = true;
    errorBox.hidden = !job.error;
    errorBox.textContent = job.error ? `Error: ${job.error}` : '';
    const p = lastProgress && !isTerminal(job.status) ? {...lastProgress, status: job.status} : job;
    bar.update(p);
    renderStats(p);
    renderTimeline();
    renderActions();
  }

  function completed(j) {
    flash.hidden = true;
    setJob(j);
    renderDownloads();
    renderFailures();
    mode.textContent = '';
    const what = {
      completed: `${jobTitle(j)} is complete: ${plural(j.done, 'piece')} ready.`,
      completed_with_errors: `${jobTitle(j)} is complete: ${plural(j.done, 'piece')} ready, ${fmtNumber(j.failed)} failed.`,
      failed: `${jobTitle(j)} failed${j.error ? `: ${j.error}` : '.'}`,
      cancelled: `${jobTitle(j)} was cancelled after ${plural(j.done, 'piece')}.`,
    }[j.status] || `${jobTitle(j)} finished.`;
    fill(notice,
      h('h2', {}, j.status === 'failed' ? 'Job failed' : j.status === 'cancelled' ? 'Job cancelled' : 'Job complete'),
      h('p', {}, what),
      j.done ? h('p', {}, downloadControl(j.links.download, 'Download ZIP', '', `${slug(j.name) || j.id}.zip`, report, {class: 'btn btn-primary', id: 'notice-download'})) : null);
    notice.className = `notice notice-${j.status}`;
    notice.hidden = false;
    notice.focus();
    announce(what);
  }

  function follow() {
    if (watcher || isTerminal(job.status)) return;
    watcher = watch(job.id, {
      progress: (p) => {
        lastProgress = p;
        bar.update(p);
        renderStats(p);
        if (p.failed !== job.failed && p.failed) {
          job = {...job, failed: p.failed, done: p.done};
          renderFailures();
        }
      },
      state: (j) => setJob(j),
      end: (j) => {
        watcher = null;
        lastProgress = null;
        completed(j);
      },
      gone: () => {
        watcher = null;
        report('This job was deleted.', true);
      },
      mode: (m) => {
        mode.textContent = m === 'stream' ? 'Live: server-sent events.' : 'Live: checking every 2 seconds.';
      },
    });
  }

  setJob(job);
  renderDownloads();
  renderFailures();
  follow();
  return () => {
    disposed = true;
    watcher?.stop();
  };
}
