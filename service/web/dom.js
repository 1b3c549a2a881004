// Small DOM and formatting helpers shared by the views.

// h builds an element: h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child).
// Attributes named on* become listeners; null, undefined and false are
// skipped; children may be strings, nodes, arrays or null.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k in el && typeof v !== 'string' && k !== 'list') {
      el[k] = v; // properties: checked, value, disabled, hidden ...
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// clear empties an element and appends the children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let announceTimer = 0;

// announce says msg to screen readers through the polite live region
// (assertive when urgent).
export function announce(msg, urgent = false) {
  const region = document.getElementById(urgent ? 'alerter' : 'announcer');
  if (!region) return;
  region.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { region.textContent = msg; }, 60);
}

// focusHeading moves the focus to the view's heading after navigation.
export function focusHeading(root) {
  const h1 = root.querySelector('h1');
  if (h1) {
    h1.tabIndex = -1;
    h1.focus({preventScroll: false});
  }
}

export const STATUS_LABELS = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function isTerminal(status) {
  return status === 'completed' || status === 'completed_with_errors' || status === 'failed' || status === 'cancelled';
}

export function statusBadge(status, extra) {
  return h('span', {class: `badge badge-${status}`, dataset: {status}}, STATUS_LABELS[status] || status, extra || null);
}

const dateFmt = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'medium'});
const shortFmt = new Intl.DateTimeFormat(undefined, {month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit'});

export function fmtDate(iso, short = false) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return (short ? shortFmt : dateFmt).format(d);
}

export function timeEl(iso, short = false) {
  return h('time', {datetime: iso, title: iso}, fmtDate(iso, short));
}

// fmtDuration spells seconds as "1 h 2 min", "3 min 4 s" or "5.2 s".
export function fmtDuration(sec) {
  if (!Number.isFinite(sec) || sec < 0) return '';
  if (sec < 10) return `${sec.toFixed(1)} s`;
  sec = Math.round(sec);
  const hrs = Math.floor(sec / 3600), min = Math.floor((sec % 3600) / 60), s = sec % 60;
  if (hrs) return `${hrs} h ${min} min`;
  if (min) return `${min} min ${s} s`;
  return `${s} s`;
}

export function fmtNumber(n) {
  return new Intl.NumberFormat().format(n || 0);
}

export function fmtRate(r) {
  if (!r) return '';
  return r >= 10 ? `${Math.round(r)}/s` : `${r.toFixed(1)}/s`;
}

export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}

// plural: plural(3, 'recipient') is "3 recipients".
export function plural(n, word, many) {
  return `${fmtNumber(n)} ${n === 1 ? word : (many || word + 's')}`;
}

// debounce calls fn once calls stop for ms.
export function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

let uid = 0;
export function newId(prefix) {
  uid++;
  return `${prefix}-${uid}`;
}
