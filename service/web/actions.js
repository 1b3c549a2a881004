// The buttons of a job, in the states where they apply: download (a
// finished job with pieces), retry failed (finished with failures), cancel
// (queued or running) and delete (anything not running).

import {apiPath, describe, download, getKey, json, post} from './api.js';
import {announce, h, isTerminal} from './dom.js';

export function jobTitle(job) {
  return job.name || `Job ${job.id}`;
}

// downloadControl is a link to an API file when no key is needed (the
// browser streams it to disk), else a button that fetches it with the key.
export function downloadControl(link, text, who, fallbackName, report, extra = {}) {
  const label = [text, who ? h('span', {class: 'visually-hidden'}, ` ${who}`) : null];
  if (!getKey()) {
    return h('a', {class: 'btn', href: apiPath(link), download: '', ...extra}, label);
  }
  const btn = h('button', {type: 'button', class: 'btn', ...extra}, label);
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      await download(link, fallbackName);
      report(`Downloading ${fallbackName}.`);
    } catch (e) {
      report(`Download failed: ${describe(e)}`, true);
    } finally {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
    }
  });
  return btn;
}

// jobActions returns the action buttons of job. opts: changed(job) after
// a retry or cancel, deleted() after a delete, report(msg, isError).
export function jobActions(job, opts = {}) {
  const report = opts.report || ((msg, err) => announce(msg, err));
  const changed = opts.changed || (() => {});
  const deleted = opts.deleted || (() => {});
  const who = jobTitle(job);
  const base = `/jobs/${encodeURIComponent(job.id)}`;
  const wrap = h('div', {class: 'job-actions', role: 'group', 'aria-label': `Actions for ${who}`});
  const hidden = (t) => h('span', {class: 'visually-hidden'}, ` ${t}`);

  const act = (text, cls, fn) => {
    const b = h('button', {type: 'button', class: `btn ${cls || ''}`, dataset: {action: text.toLowerCase().split(' ')[0]}}, text, hidden(who));
    b.addEventListener('click', async () => {
      b.disabled = true;
      b.setAttribute('aria-busy', 'true');
      try {
        await fn(b);
      } catch (e) {
        report(`${text} failed: ${describe(e)}`, true);
      } finally {
        b.disabled = false;
        b.removeAttribute('aria-busy');
      }
    });
    return b;
  };

  if (opts.download !== false && isTerminal(job.status) && job.done > 0) {
    wrap.append(downloadControl(job.links.download, 'Download ZIP', who, `${job.id}.zip`, report, {dataset: {action: 'download'}}));
  }
  if ((job.status === 'completed_with_errors' || job.status === 'failed') && (job.failed > 0 || job.status === 'failed')) {
    wrap.append(act('Retry failed', '', async () => {
      const r = await post(`${base}/retry`);
      report(`Retrying ${r.requeued} failed recipient${r.requeued === 1 ? '' : 's'} of ${who}.`);
      changed(r.job);
    }));
  }
  if (job.status === 'queued' || job.status === 'running') {
    wrap.append(act('Cancel', 'btn-warn', async () => {
      const j = await post(`${base}/cancel`);
      report(j.status === 'cancelled' ? `${who} is cancelled.` : `Cancelling ${who}…`);
      changed(j);
    }));
  }
  if (job.status !== 'running') {
    let armed = 0;
    const del = act('Delete', 'btn-danger-quiet', async (b) => {
      if (!armed) {
        b.firstChild.textContent = 'Confirm delete';
        b.classList.add('btn-danger');
        report(`Press Confirm delete again to delete ${who} and its files.`);
        armed = setTimeout(() => {
          armed = 0;
          b.firstChild.textContent = 'Delete';
          b.classList.remove('btn-danger');
        }, 5000);
        return;
      }
      clearTimeout(armed);
      armed = 0;
      await json(base, {method: 'DELETE'});
      report(`${who} was deleted.`);
      deleted();
    });
    wrap.append(del);
  }
  return wrap;
}
