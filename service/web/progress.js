// A progress bar: role="progressbar" with aria-valuenow (the percent of
// recipients finished, done or failed), a failed share drawn in its own
// colour, and a line of text with counts, rate, ETA and the current
// recipient.

import {h, fmtDuration, fmtNumber, fmtRate, isTerminal} from './dom.js';

export class ProgressBar {
  // label names the bar for assistive technology ("Progress of spring mailing").
  constructor(label, {compact = false} = {}) {
    this.compact = compact;
    this.fillDone = h('span', {class: 'bar-done'});
    this.fillFailed = h('span', {class: 'bar-failed'});
    this.bar = h('div', {
      class: 'bar', role: 'progressbar', 'aria-label': label,
      'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0',
    }, this.fillDone, this.fillFailed);
    this.text = h('p', {class: 'bar-text'});
    this.el = h('div', {class: compact ? 'progress progress-compact' : 'progress'}, this.bar, this.text);
  }

  // update takes a progress view ({status, done, failed, total, percent,
  // rate, etaSeconds, current}) or a job view ({status, done, failed, total}).
  update(p) {
    const total = p.total || 0;
    const done = p.done || 0;
    const failed = p.failed || 0;
    let pct = p.percent;
    if (pct === undefined) pct = total ? ((done + failed) * 100) / total : 0;
    if (isTerminal(p.status) && p.status !== 'cancelled' && p.status !== 'failed') pct = 100;
    pct = Math.max(0, Math.min(100, pct));
    const shown = Math.floor(pct);
    const donePct = total ? (done * 100) / total : 0;
    const failedPct = total ? (failed * 100) / total : 0;
    this.fillDone.style.width = `${Math.min(100, total ? donePct : pct)}%`;
    this.fillFailed.style.width = `${Math.min(100 - donePct, failedPct)}%`;
    this.el.dataset.status = p.status || '';
    this.bar.setAttribute('aria-valuenow', String(shown));
    const parts = [`${shown}%`, `${fmtNumber(done)} of ${fmtNumber(total)} done`];
    if (failed) parts.push(`${fmtNumber(failed)} failed`);
    this.bar.setAttribute('aria-valuetext', parts.join(', '));
    const extra = [];
    if (!isTerminal(p.status)) {
      if (p.rate) extra.push(fmtRate(p.rate));
      if (p.etaSeconds > 0) extra.push(`ETA ${fmtDuration(p.etaSeconds)}`);
      if (p.current && !this.compact) {
        extra.push(`now row ${fmtNumber(p.current.row)}${p.current.name ? ` (${p.current.name})` : ''}`);
      }
    }
    this.text.replaceChildren(
      h('strong', {}, `${shown}%`), ' · ',
      `${fmtNumber(done)}/${fmtNumber(total)} done`,
      failed ? ' · ' : '',
      failed ? h('span', {class: 'text-failed'}, `${fmtNumber(failed)} failed`) : '',
      extra.length ? ` · ${extra.join(' · ')}` : '',
    );
  }
}
