// The head both views of a session share: where it sits (crumbs), what it is (agent, status, how
// it ended), the tabs between its overview and its transcript, and the runs it continued or that
// continued it. Also the polling that keeps a running session's view current.

import { ApiError } from './api.js';
import { h, path, replace } from './dom.js';
import { ago, cost, datetime } from './format.js';
import { endReasonTag, statusBadge } from './page-sessions.js';

const REFRESH_MS = 1500;

/** Crumbs, title, status, tabs and lineage of session `s`; `view` is `overview` or `transcript`. */
export function sessionHead(s, view) {
  const tab = (name, label, href) =>
    h('a', { href, class: ['tab', view === name && 'active'], 'aria-current': view === name ? 'page' : null, dataset: { tab: name } }, label);
  return [
    h('nav', { class: 'crumbs' }, h('a', { href: '/' }, 'Sessions'), ' / ', h('code', {}, s.id)),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, s.agent ?? 'Session'),
      statusBadge(s.status),
      endReasonTag(s),
      s.cost_estimated ? h('span', { class: 'tag tag-warn', title: 'The SDK estimated the cost from its pricing table' }, 'cost estimated') : null,
    ),
    lineage(s.lineage),
    h('nav', { class: 'tabs', 'aria-label': 'Session views' }, tab('overview', 'Overview', path`/sessions/${s.id}`), tab('transcript', 'Transcript', path`/sessions/${s.id}/transcript`)),
  ];
}

/** A link to another run: its start, status and own cost. */
function runLink(run) {
  return h(
    'a',
    { href: path`/sessions/${run.id}`, class: 'run-link', title: `${run.id} · ${datetime(run.started_at)}`, dataset: { run: run.id, relation: run.relation } },
    h('span', { class: 'mono' }, run.id.length > 14 ? run.id.slice(0, 13) + '…' : run.id),
    h('span', { class: 'muted' }, ` · ${ago(run.started_at)} · ${run.status} · ${cost(run.cost_usd)}`),
  );
}

function lineage(l) {
  if (!l || (!l.previous && !l.continued_by.length)) return null;
  return h(
    'p',
    { class: 'lineage small', dataset: { card: 'lineage' } },
    l.previous ? h('span', { class: 'lineage-part' }, l.previous.relation === 'forked' ? 'Forked from ' : 'Resumed from ', runLink(l.previous)) : null,
    l.continued_by.length
      ? h(
          'span',
          { class: 'lineage-part' },
          'Continued by ',
          l.continued_by.map((run, i) => [i ? ', ' : null, runLink(run), ` (${run.relation})`]),
        )
      : null,
  );
}

/**
 * Loads with `load` (which renders and resolves to the session), then, while the session runs,
 * again every REFRESH_MS. Returns what stops it.
 */
export async function refreshWhileRunning(load, setLive) {
  let timer = null;
  const tick = async () => {
    const s = await load();
    const running = s.status === 'running';
    setLive(running);
    if (!running && timer) {
      clearInterval(timer);
      timer = null;
    }
    return running;
  };
  if (await tick()) timer = setInterval(() => tick().catch((e) => e instanceof ApiError || console.error(e)), REFRESH_MS);
  return () => timer && clearInterval(timer);
}

/** Re-renders `main` with `children` only when `key` changed, keeping the scroll position. */
export function rerender(main, state, key, children) {
  if (key === state.last) return;
  state.last = key;
  const y = window.scrollY;
  replace(main, ...children());
  window.scrollTo(0, y);
}
