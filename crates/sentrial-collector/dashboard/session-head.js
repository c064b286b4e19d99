// The head both views of a session share: where it sits (crumbs), what it is (agent, status, how
// it ended), the tabs between its overview and its transcript, and the runs it continued or that
// continued it. Also the polling that keeps a running session's view current.

import { ApiError } from './api.js';
import { h, replace } from './dom.js';
import { ago, cost, datetime } from './format.js';
import { href } from './routes.js';
import { endReasonTag, statusBadge } from './widgets.js';
import { sessionExports } from './exports.js';

const REFRESH_MS = 1500;

/** Crumbs, title, status, tabs and lineage of session `s`; `view` is `overview` or `transcript`. */
export function sessionHead(s, view) {
  const tab = (name, label, link) =>
    h(
      'a',
      {
        href: link,
        class: ['tab', view === name && 'active'],
        'aria-current': view === name ? 'page' : null,
        dataset: { tab: name },
      },
      label,
    );
  return [
    h('nav', { class: 'crumbs' }, h('a', { href: href.sessions() }, 'Sessions'), ' / ', h('code', {}, s.id)),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, s.name ?? s.agent ?? 'Session'),
      s.name && s.agent ? h('span', { class: 'muted', dataset: { agent: s.agent } }, s.agent) : null,
      statusBadge(s.status),
      endReasonTag(s),
      s.cost_estimated
        ? h(
            'span',
            { class: 'tag tag-warn', title: 'The SDK estimated the cost from its pricing table' },
            'cost estimated',
          )
        : null,
      sessionExports(s.id),
    ),
    lineage(s.lineage),
    h(
      'nav',
      { class: 'tabs', 'aria-label': 'Session views' },
      tab('overview', 'Overview', href.session(s.id)),
      tab('transcript', 'Transcript', href.transcript(s.id)),
    ),
  ];
}

/** A link to another run: its start, status and own cost. */
function runLink(run) {
  return h(
    'a',
    {
      href: href.session(run.id),
      class: 'run-link',
      title: `${run.id} · ${datetime(run.started_at)}`,
      dataset: { run: run.id, relation: run.relation },
    },
    h('span', { class: 'mono' }, run.id.length > 14 ? run.id.slice(0, 13) + '…' : run.id),
    h('span', { class: 'muted' }, ` · ${ago(run.started_at)} · ${run.status} · ${cost(run.cost_usd)}`),
  );
}

function lineage(l) {
  if (!l || (!l.previous && !l.continued_by.length)) return null;
  return h(
    'p',
    { class: 'lineage small', dataset: { card: 'lineage' } },
    l.previous
      ? h(
          'span',
          { class: 'lineage-part' },
          l.previous.relation === 'forked' ? 'Forked from ' : 'Resumed from ',
          runLink(l.previous),
        )
      : null,
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
  if (await tick())
    timer = setInterval(() => tick().catch((e) => e instanceof ApiError || console.error(e)), REFRESH_MS);
  return () => timer && clearInterval(timer);
}

/** Re-renders `root` with `children` only when `key` changed, keeping the scroll position. */
export function rerender(root, state, key, children) {
  if (key === state.last) return;
  state.last = key;
  const y = window.scrollY;
  replace(root, ...children());
  window.scrollTo(0, y);
}
