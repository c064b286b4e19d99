// Conversation: the sessions of one convo_id in order, each linked, with their totals.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { ago, cost, datetime, duration, snippet, tokens } from './format.js';
import { href, path } from './routes.js';
import { stat, statusBadge } from './widgets.js';

export async function conversationPage(root, { id }) {
  const c = await api(path`/api/conversations/${id}`);
  replace(
    root,
    h('nav', { class: 'crumbs' }, h('a', { href: href.sessions() }, 'Sessions'), ' / ', h('span', {}, 'Conversation')),
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
      ? h(
          'p',
          { class: 'muted small' },
          `The first ${c.sessions.length} of ${c.session_count} sessions; `,
          h('a', { href: href.sessions({ convo_id: c.convo_id }) }, 'list all'),
          '.',
        )
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
            h('a', { href: href.session(s.id), class: 'convo-link' }, snippet(s.input, 140) || s.id),
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
