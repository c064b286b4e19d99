// Issues: what the rules found in the sessions that ended in a range, by kind: how often, in how
// many sessions, when first and last, per day, and with which agents and tools. Every count is a
// link to the sessions it counts (the list's `issue`, `issue_tool`, `issue_from`, `issue_to`).

import { api } from './api.js';
import { chartTable } from './chart-table.js';
import { h, replace } from './dom.js';
import { ago, datetime, num } from './format.js';
import { DAY, iso, rangeOf, rangePicker } from './ranges.js';
import { href } from './routes.js';
import { card, issueBadge } from './widgets.js';

export async function issuesPage(root) {
  const range = rangeOf(location.search);
  const to = Date.now();
  const from = to - range.ms;
  const body = await api('/api/issues', { from: iso(from), to: iso(to) });
  // The sessions a count counts: those with such an issue, ended in the range.
  const sessions = (kind, more = {}) =>
    href.sessions({ issue: kind, issue_from: iso(from), issue_to: iso(to), ...more });
  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Issues'),
      h('span', { class: 'spacer' }),
      rangePicker(range, (key) => href.issues({ range: key })),
    ),
    body.issues.length
      ? card(
          'Detected issues',
          'issues',
          issueTable(body.issues, sessions, from, to),
          perDayTable(body.issues, sessions, from, to),
        )
      : h(
          'div',
          { class: 'empty' },
          h('h3', {}, 'No issues in this range'),
          h('p', { class: 'muted' }, 'Sessions are checked when they end: loops, error streaks, limits and more.'),
        ),
    h(
      'p',
      { class: 'muted small' },
      'Issues are counted by the end of their session, from ',
      new Date(from).toLocaleString(),
      '. Days are UTC days.',
    ),
  );
  return null;
}

function issueTable(groups, sessions, from, to) {
  return h(
    'table',
    { class: 'issues' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Kind', 'Sessions', 'Findings', 'First seen', 'Last seen', 'Per day', 'Top agents', 'Top tools'].map((c, i) =>
          h('th', { class: i === 1 || i === 2 ? 'num' : null, scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      groups.map((g) =>
        h(
          'tr',
          { dataset: { kind: g.kind } },
          h('td', {}, issueBadge(g.kind)),
          h(
            'td',
            { class: 'num' },
            h('a', { href: sessions(g.kind), dataset: { count: 'sessions' } }, num(g.sessions)),
          ),
          h('td', { class: 'num' }, h('a', { href: sessions(g.kind), dataset: { count: 'findings' } }, num(g.count))),
          h('td', { class: 'nowrap', title: datetime(g.first_seen) }, ago(g.first_seen)),
          h('td', { class: 'nowrap', title: datetime(g.last_seen) }, ago(g.last_seen)),
          h('td', {}, trend(g, sessions, from, to)),
          h(
            'td',
            {},
            tops(g.top_agents, (name) => sessions(g.kind, { agent: name }), 'agent'),
          ),
          h(
            'td',
            {},
            tops(g.top_tools, (name) => sessions(g.kind, { issue_tool: name }), 'tool'),
          ),
        ),
      ),
    ),
  );
}

/** One bar per UTC day of the range, its height the day's sessions, each a link to them. */
function trend(g, sessions, from, to) {
  const byDay = new Map(g.trend.map((d) => [d.from, d]));
  const most = Math.max(1, ...g.trend.map((d) => d.sessions));
  const bars = [];
  for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
    const d = byDay.get(day);
    const label = new Date(day).toISOString().slice(0, 10);
    const height = { height: `${d ? Math.max(12, (d.sessions / most) * 100) : 4}%` };
    bars.push(
      d
        ? h(
            'a',
            {
              class: 'spark-bar',
              href: sessions(g.kind, { issue_from: iso(day), issue_to: iso(day + DAY) }),
              title: `${label}: ${d.sessions} session${d.sessions === 1 ? '' : 's'}, ${d.count} finding${d.count === 1 ? '' : 's'}`,
              dataset: { day: label, sessions: String(d.sessions) },
              style: height,
            },
            '',
          )
        : h('span', { class: 'spark-bar is-empty', title: `${label}: none`, style: height }),
    );
  }
  return h('div', { class: 'spark', role: 'img', 'aria-label': `${g.kind} per day` }, bars);
}

/** Names with their session counts, each a link to those sessions. */
function tops(items, link, what) {
  if (!items.length) return h('span', { class: 'muted' }, '—');
  return h(
    'div',
    { class: 'tops' },
    items.map((t) =>
      h(
        'a',
        { class: 'chip', href: link(t.name), dataset: { [what]: t.name, sessions: String(t.sessions) } },
        t.name,
        h('span', { class: 'muted' }, ` ${num(t.sessions)}`),
      ),
    ),
  );
}

/** The per-day bars of every kind as a table: sessions per UTC day, each a link to them. */
function perDayTable(groups, sessions, from, to) {
  const days = [];
  for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) days.push(day);
  return chartTable(
    [{ label: 'Sessions per day' }, ...days.map((d) => ({ label: new Date(d).toISOString().slice(5, 10), num: true }))],
    groups.map((g) => {
      const byDay = new Map(g.trend.map((d) => [d.from, d]));
      return [
        g.kind,
        ...days.map((day) => {
          const d = byDay.get(day);
          return d
            ? { text: num(d.sessions), href: sessions(g.kind, { issue_from: iso(day), issue_to: iso(day + DAY) }) }
            : '0';
        }),
      ];
    }),
    'issues-per-day',
  );
}
