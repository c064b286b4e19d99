// A user's page: one end user over a range, their figures, their sessions and conversations over
// time (charts, each readable as a table), their latest conversations and sessions. Every number
// opens the sessions behind it. Reached from the Users page and from a session's user.

import { api } from './api.js';
import { bucketLabel, bucketRange, costChart, everyBucket, sessionsChart } from './buckets.js';
import { h, replace } from './dom.js';
import { ago, cost, datetime, num, percent, snippet, tokens } from './format.js';
import { iso, rangeOf, rangePicker, sessionsIn } from './ranges.js';
import { href, path } from './routes.js';
import { card, stat, statusBadge } from './widgets.js';

/** Sessions listed on the page; the rest are a link away. */
const LATEST = 20;

export async function userPage(root, { id }) {
  const range = rangeOf(location.search);
  const { from, to } = bucketRange(range);
  const span = { from: iso(from), to: iso(to) };
  const [u, latest] = await Promise.all([
    api(path`/api/analytics/users/${id}`, span),
    api('/api/sessions', { user_id: id, ...span, limit: LATEST }),
  ]);
  const t = u.totals;
  const [start, end] = [Date.parse(u.from), Date.parse(u.to)];
  const behind = (filters) => sessionsIn(start, end, { user_id: id, ...filters });
  const inBucket = (b, filters) =>
    sessionsIn(Date.parse(b.start), Date.parse(b.start) + u.bucket_ms, { user_id: id, ...filters });
  const linked = (text, link) => h('a', { href: link }, text);
  const buckets = everyBucket(u, { sessions: 0, failed: 0, conversations: 0, cost_usd: 0, total_tokens: 0 });
  const label = bucketLabel(u.bucket_ms);
  replace(
    root,
    h(
      'nav',
      { class: 'crumbs' },
      h('a', { href: href.users({ range: range.key }) }, 'Users'),
      ' / ',
      h('code', {}, id),
    ),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'User ', h('code', { class: 'title-id' }, id)),
      h('span', { class: 'spacer' }),
      rangePicker(range, (key) => href.user(id, { range: key })),
    ),
    h(
      'div',
      { class: 'stats', dataset: { userStats: id } },
      stat('Sessions', linked(num(t.sessions), behind())),
      stat('Conversations', num(t.conversations)),
      stat('Failure rate', linked(percent(t.failure_rate), behind({ status: 'failed' })), `${num(t.failed)} failed`),
      stat('Cost', linked(cost(t.cost_usd), behind())),
      stat('Tokens', linked(tokens(t.total_tokens), behind())),
      stat('Avg score', t.avg_score === null ? '—' : t.avg_score.toFixed(2)),
      stat('Last seen', h('span', { title: datetime(u.last_seen_ever) }, ago(u.last_seen_ever))),
    ),
    h(
      'div',
      { class: 'two' },
      card(
        'Sessions and conversations over time',
        'user-sessions',
        sessionsChart(buckets, {
          label,
          title: (b) =>
            `${label(b.start)}: ${b.sessions} sessions (${b.failed} failed) in ${b.conversations} conversations`,
          inBucket,
          name: 'user-sessions',
        }),
      ),
      card('Cost over time', 'user-cost', costChart(buckets, { label, inBucket, name: 'user-cost' })),
    ),
    card('Conversations, latest first', 'user-conversations', conversations(u.conversations, behind)),
    card(
      'Latest sessions',
      'user-latest',
      sessions(latest.sessions),
      t.sessions > latest.sessions.length ? h('a', { href: behind() }, `All ${num(t.sessions)} sessions →`) : null,
    ),
  );
  return null;
}

function conversations(list, behind) {
  if (!list.length) return h('p', { class: 'muted' }, 'No conversation in this range.');
  return h(
    'table',
    { class: 'issues' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Conversation', 'Sessions', 'Failed', 'Cost', 'First', 'Latest'].map((c, i) =>
          h('th', { scope: 'col', class: i > 0 && i < 4 ? 'num' : null }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      list.map((c) =>
        h(
          'tr',
          { dataset: { convo: c.convo_id } },
          h('td', {}, h('a', { href: href.conversation(c.convo_id), class: 'mono' }, snippet(c.convo_id, 32))),
          h('td', { class: 'num' }, h('a', { href: behind({ convo_id: c.convo_id }) }, num(c.sessions))),
          h(
            'td',
            { class: 'num' },
            h('a', { href: behind({ convo_id: c.convo_id, status: 'failed' }) }, num(c.failed)),
          ),
          h('td', { class: 'num' }, cost(c.cost_usd)),
          h('td', { title: datetime(c.first_at), class: 'nowrap' }, ago(c.first_at)),
          h('td', { title: datetime(c.last_at), class: 'nowrap' }, ago(c.last_at)),
        ),
      ),
    ),
  );
}

function sessions(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No session in this range.');
  return h(
    'table',
    { class: 'issues' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Status', 'Prompt', 'Started', 'Tokens', 'Cost'].map((c, i) =>
          h('th', { scope: 'col', class: i > 2 ? 'num' : null }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      list.map((s) =>
        h(
          'tr',
          { dataset: { sessionId: s.id } },
          h('td', {}, statusBadge(s.status)),
          h('td', {}, h('a', { href: href.session(s.id) }, snippet(s.input, 90) || s.id)),
          h('td', { title: datetime(s.started_at), class: 'nowrap' }, ago(s.started_at)),
          h('td', { class: 'num' }, tokens(s.total_tokens)),
          h('td', { class: 'num' }, cost(s.cost_usd)),
        ),
      ),
    ),
  );
}
