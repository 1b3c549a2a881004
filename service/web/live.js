// Live progress of a job: the server-sent event stream
// (GET /jobs/{id}/events: "state", "progress", "end") when it can be used,
// else polling GET /jobs/{id}/progress every 2 s. EventSource cannot send
// an Authorization header, so a server that requires API keys is always
// polled; a stream that errors falls back to polling too.

import {API, json, needsKey} from './api.js';
import {isTerminal} from './dom.js';

export const POLL_MS = 2000;

// Browsers allow six HTTP/1.1 connections per host: keep streams to a few
// and poll the rest, so requests never queue behind open streams.
const MAX_STREAMS = 3;
let openStreams = 0;

// watch follows job id until it ends or stop() is called. Handlers (all
// optional): progress(p) with the progress view, state(job) with the job
// view when its status changes, end(job) once it is finished, gone() when
// it was deleted, mode(m) with "stream" or "poll".
export function watch(id, handlers) {
  const on = {progress() {}, state() {}, end() {}, gone() {}, mode() {}, ...handlers};
  const base = `/jobs/${encodeURIComponent(id)}`;
  let stopped = false;
  let es = null;
  let timer = 0;
  let lastStatus = '';
  let mode = '';

  const closeStream = () => {
    if (es) {
      es.close();
      es = null;
      openStreams--;
    }
  };
  const stop = () => {
    stopped = true;
    closeStream();
    clearTimeout(timer);
  };
  const finish = (job) => {
    if (stopped) return;
    stop();
    on.end(job);
  };
  const setMode = (m) => {
    mode = m;
    on.mode(m);
  };

  const poll = async () => {
    if (stopped) return;
    let wait = POLL_MS;
    try {
      const p = await json(base + '/progress');
      if (stopped) return;
      on.progress(p);
      if (p.status !== lastStatus) {
        lastStatus = p.status;
        const job = await json(base);
        if (stopped) return;
        if (isTerminal(job.status)) {
          finish(job);
          return;
        }
        on.state(job);
      }
    } catch (e) {
      if (stopped) return;
      if (e.status === 404) {
        stop();
        on.gone();
        return;
      }
      if (e.status === 401) wait = POLL_MS * 3; // until a key is entered
      // other errors are passing (a restart, the network): keep polling
    }
    timer = setTimeout(poll, wait);
  };

  const stream = () => {
    es = new EventSource(`${API}${base}/events`);
    openStreams++;
    setMode('stream');
    es.addEventListener('progress', (ev) => {
      if (!stopped) on.progress(JSON.parse(ev.data));
    });
    es.addEventListener('state', (ev) => {
      if (stopped) return;
      const job = JSON.parse(ev.data);
      lastStatus = job.status;
      if (isTerminal(job.status)) return; // "end" follows with the final view
      on.state(job);
    });
    es.addEventListener('end', (ev) => finish(JSON.parse(ev.data)));
    es.addEventListener('error', (ev) => {
      if (stopped) return;
      if (ev.data) { // the server's own "error" event: the job is gone
        stop();
        on.gone();
        return;
      }
      // The stream broke or was refused: poll every 2 s instead.
      closeStream();
      setMode('poll');
      clearTimeout(timer);
      timer = setTimeout(poll, 0);
    });
  };

  if (!needsKey() && typeof EventSource === 'function' && openStreams < MAX_STREAMS) {
    stream();
  } else {
    setMode('poll');
    poll();
  }
  return {
    stop,
    get mode() {
      return mode;
    },
  };
}
