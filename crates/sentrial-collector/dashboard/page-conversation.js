// Conversation: the sessions of one convo_id in order, each linked, with their totals.

import { api } from './api.js';
import { h, path, replace, withQuery } from './dom.js';
import { ago, cost, datetime, duration, snippet, tokens } from './format.js';
import { statusBadge } from './page-sessions.js';

export async function conversationPage(main, { id }) {
  const c = await api(path`/api/conversations/${id}`);
  replace(
    main,
    h('nav', { class: 'crumbs' }, h('a', { href: '/' }, 'Sessions'), ' / ', h('span', {}, 'Conversation')),
    h('div', { class: 'page-head' }, h('h1', {}, 'Conversation ', h('code', { class: 'title-id' }, c.convo_id))),
    h(
      'div',
      { class: 'stats' },
      stat('Sessions', String(c.session_count)),
      stat('Total cost', cost(c.total_cost_usd)),
      stat('Total tokens', tokens(c.total_tokens)),
      stat('Total duration', duration(c.total_duration_ms)),
    ),
    c.session_count > c.sessions.length
      ? h('p', { class: 'muted small' }, `The first ${c.sessions.length} of ${c.session_count} sessions; `, h('a', { href: withQuery('/', { convo_id: c.convo_id }) }, 'list all'), '.')
      : null,
    h(
      'ol',
      { class: 'convo' },
      c.sessions.map((s, i) =>
        h(
          'li',
          { class: 'convo-item card', dataset: { sessionId: s.id } },
          h(
            'div',
            { class: 'convo-head' },
            h('span', { class: 'convo-n' }, `#${i + 1}`),
            statusBadge(s.status),
            h('a', { href: path`/sessions/${s.id}`, class: 'convo-link' }, snippet(s.input, 140) || s.id),
            h('span', { class: 'spacer' }),
            h('span', { class: 'muted small', title: datetime(s.started_at) }, ago(s.started_at)),
          ),
          s.output ? h('p', { class: 'convo-out' }, snippet(s.output, 280)) : null,
          h(
            'div',
            { class: 'convo-meta muted small' },
            `${s.agent ?? '—'} · ${s.user_id ?? '—'} · ${duration(s.duration_ms)} · ${s.tool_call_count} tool call${s.tool_call_count === 1 ? '' : 's'} · ${tokens(s.total_tokens)} tokens · `,
            h('strong', {}, cost(s.cost_usd)),
          ),
        ),
      ),
    ),
  );
}

/** A labelled figure; long values are cut by CSS, so the whole text is in the tooltip. */
export function stat(label, value, sub) {
  const title = (v) => (typeof v === 'string' ? v : v instanceof Node ? v.textContent : null);
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value', title: title(value) }, value),
    sub ? h('div', { class: 'stat-sub muted small', title: sub }, sub) : null,
  );
}
