// Users: each end user of the project over a range, with their sessions, failures, cost, tokens,
// average score and when last seen; sorted by any of them, searched by id, paged.
// Every user opens their page, and every number the sessions list filtered to them.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { ago, cost, datetime, num, percent, tokens } from './format.js';
import { iso, rangeOf, rangePicker, sessionsIn } from './ranges.js';
import { href } from './routes.js';
import { card } from './widgets.js';

const PAGE = 50;
/** The sortable columns: the API's `sort` name and the header. */
const SORTS = [
  ['sessions', 'Sessions'],
  ['failure_rate', 'Failure rate'],
  ['cost', 'Cost'],
  ['tokens', 'Tokens'],
  ['score', 'Avg score'],
  ['last_seen', 'Last seen'],
];

export async function usersPage(root) {
  const params = new URLSearchParams(location.search);
  const range = rangeOf(location.search);
  const state = {
    range: range.key,
    sort: params.get('sort') ?? 'cost',
    order: params.get('order') ?? 'desc',
    q: params.get('q') ?? '',
    offset: Number(params.get('offset') ?? 0) || 0,
  };
  const to = Date.now();
  const from = to - range.ms;
  const body = await api('/api/analytics/users', {
    from: iso(from),
    to: iso(to),
    sort: state.sort,
    order: state.order,
    q: state.q,
    limit: PAGE,
    offset: state.offset,
  });
  const link = (change) => href.users({ ...state, ...change });
  /** The sessions behind a user's figure. */
  const behind = (u, filters) => sessionsIn(from, to, { user_id: u.user_id, ...filters });
  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Users'),
      h('span', { class: 'spacer' }),
      rangePicker(range, (key) => link({ range: key, offset: 0 })),
    ),
    h(
      'form',
      { class: 'filters', method: 'get', action: href.users(), role: 'search' },
      h('input', { type: 'hidden', name: 'range', value: state.range }),
      h('input', {
        type: 'search',
        name: 'q',
        value: state.q,
        placeholder: 'User id contains…',
        'aria-label': 'Search users',
      }),
      h('button', { class: 'btn', type: 'submit' }, 'Search'),
    ),
    body.users.length
      ? card('End users', 'users', usersTable(body.users, state, link, behind))
      : h(
          'div',
          { class: 'empty' },
          h('h3', {}, 'No users in this range'),
          h('p', { class: 'muted' }, 'Sessions name their user with userId.'),
        ),
    h(
      'div',
      { class: 'pager' },
      state.offset > 0
        ? h('a', { class: 'btn', href: link({ offset: Math.max(0, state.offset - PAGE) }) }, '← Previous')
        : null,
      h('span', { class: 'muted small' }, `${num(body.total)} user${body.total === 1 ? '' : 's'}`),
      state.offset + PAGE < body.total
        ? h('a', { class: 'btn', href: link({ offset: state.offset + PAGE }), rel: 'next' }, 'Next →')
        : null,
    ),
  );
  return null;
}

function usersTable(users, state, link, behind) {
  const header = ([key, label]) => {
    const active = state.sort === key;
    const order = active && state.order === 'desc' ? 'asc' : 'desc';
    return h(
      'th',
      {
        class: 'num',
        scope: 'col',
        'aria-sort': active ? (state.order === 'desc' ? 'descending' : 'ascending') : null,
      },
      h(
        'a',
        { href: link({ sort: key, order, offset: 0 }), dataset: { sort: key } },
        label,
        active ? (state.order === 'desc' ? ' ↓' : ' ↑') : '',
      ),
    );
  };
  return h(
    'table',
    { class: 'issues users' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'User'), SORTS.map(header))),
    h(
      'tbody',
      {},
      users.map((u) =>
        h(
          'tr',
          { dataset: { user: u.user_id } },
          h('td', {}, h('a', { href: href.user(u.user_id, { range: state.range }) }, u.user_id)),
          h('td', { class: 'num' }, h('a', { href: behind(u) }, num(u.sessions))),
          h(
            'td',
            { class: 'num', title: `${u.failed} failed` },
            h('a', { href: behind(u, { status: 'failed' }) }, percent(u.failure_rate)),
          ),
          h('td', { class: 'num' }, h('a', { href: behind(u) }, cost(u.cost_usd))),
          h('td', { class: 'num' }, h('a', { href: behind(u) }, tokens(u.total_tokens))),
          h('td', { class: 'num' }, u.avg_score === null ? '—' : u.avg_score.toFixed(2)),
          h('td', { class: 'num nowrap', title: datetime(u.last_seen) }, ago(u.last_seen)),
        ),
      ),
    ),
  );
}
