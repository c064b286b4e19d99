// Sessions: every session, newest first, with filters, text search and paging. The first page
// refreshes itself while it is open.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { ago, cost, datetime, duration, snippet, tokens } from './format.js';
import { END_REASONS } from './protocol.js';
import { href } from './routes.js';
import { endReasonTag, ISSUE_LABELS, issueBadge, statusBadge } from './widgets.js';
import { listExports } from './exports.js';

const FILTERS = [
  'q',
  'agent',
  'user_id',
  'convo_id',
  'status',
  'end_reason',
  'issue',
  'issue_tool',
  'issue_from',
  'issue_to',
  'score',
  'name',
  'parent',
  'metric',
  'metric_min',
  'metric_max',
  'model',
  'tool',
  'mcp_server',
  'metadata_key',
  'metadata_value',
  'from',
  'to',
];
/** Filters the other pages set and the form keeps as they are. */
const KEPT = ['issue_tool', 'issue_from', 'issue_to', 'score', 'mcp_server', 'metadata_key', 'metadata_value'];
const STATUSES = ['running', 'completed', 'failed', 'interrupted'];
const PAGE = 50;
const REFRESH_MS = 5000;

/** A local `datetime-local` value as the ISO time the API reads. */
function localToIso(value) {
  if (!value) return '';
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? '' : t.toISOString();
}

/** The page's filters as the API takes them: the metric's bounds as `metric.<name>_min`/`_max`. */
function apiFilters({ metric, metric_min, metric_max, ...rest }) {
  if (!metric) return rest;
  return { ...rest, [`metric.${metric}_min`]: metric_min, [`metric.${metric}_max`]: metric_max };
}

export async function sessionsPage(root, { setLive }) {
  const params = new URLSearchParams(location.search);
  const filters = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? '']));
  const cursor = params.get('cursor') ?? '';
  const query = () => ({
    ...apiFilters(filters),
    from: localToIso(filters.from),
    to: localToIso(filters.to),
    limit: PAGE,
    cursor,
  });

  // A click anywhere on a row opens its session (the prompt cell holds the real link).
  const table = h('div', { class: 'table-wrap', onclick: openRow }, h('p', { class: 'loading' }, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  const form = filterForm(filters);
  const { limit: _, cursor: __, ...matching } = query();
  replace(root, h('div', { class: 'page-head' }, h('h1', {}, 'Sessions'), listExports(matching)), form, table, pager);

  let last = '';
  const load = async () => {
    const page = await api('/api/sessions', query());
    const key = JSON.stringify(page);
    if (key === last) return;
    last = key;
    // Beside the end reasons this version knows, any other the page shows (a newer SDK's).
    const reasons = form.querySelector('select[name="end_reason"]');
    const known = new Set([...reasons.options].map((o) => o.value));
    for (const s of page.sessions) {
      if (s.end_reason && !known.has(s.end_reason)) {
        known.add(s.end_reason);
        reasons.append(h('option', { value: s.end_reason }, s.end_reason));
      }
    }
    replace(table, page.sessions.length ? sessionTable(page.sessions) : emptyState(filters));
    replace(
      pager,
      cursor ? h('a', { class: 'btn', href: href.sessions(filters) }, '← Newest') : null,
      h(
        'span',
        { class: 'muted small' },
        `${page.sessions.length} session${page.sessions.length === 1 ? '' : 's'} on this page`,
      ),
      page.next_cursor
        ? h(
            'a',
            { class: 'btn', href: href.sessions({ ...filters, cursor: page.next_cursor }), rel: 'next' },
            'Older →',
          )
        : null,
    );
  };
  await load();
  // Only the first page moves as sessions arrive; later pages are fixed by their cursor.
  if (!cursor) {
    setLive(true);
    const timer = setInterval(() => load().catch(() => {}), REFRESH_MS);
    return () => clearInterval(timer);
  }
  return null;
}

function filterForm(f) {
  const input = (name, label, attrs = {}) =>
    h(
      'label',
      { class: 'field' },
      h('span', {}, label),
      h('input', { name, value: f[name], autocomplete: 'off', ...attrs }),
    );
  const select = (name, values, label = (v) => v) =>
    h(
      'select',
      { name },
      h('option', { value: '' }, 'Any'),
      values.map((v) => h('option', { value: v, selected: f[name] === v }, label(v))),
    );
  const issue = select('issue', Object.keys(ISSUE_LABELS), (k) => ISSUE_LABELS[k]);
  const status = select('status', STATUSES);
  const reasons = [...new Set([...END_REASONS, f.end_reason].filter(Boolean))];
  const endReason = select('end_reason', reasons);
  const any = FILTERS.some((k) => f[k]);
  return h(
    'form',
    { class: 'filters', method: 'get', action: href.sessions(), role: 'search' },
    h(
      'label',
      { class: 'field field-search' },
      h('span', {}, 'Search prompts and responses'),
      h('input', {
        name: 'q',
        type: 'search',
        value: f.q,
        placeholder: 'Text in the input or output…',
        autocomplete: 'off',
      }),
    ),
    input('agent', 'Agent'),
    input('user_id', 'User'),
    input('convo_id', 'Conversation'),
    input('name', 'Session name'),
    input('parent', 'Parent session'),
    input('metric', 'Metric'),
    input('metric_min', 'Metric ≥', { type: 'number', step: 'any' }),
    input('metric_max', 'Metric ≤', { type: 'number', step: 'any' }),
    input('model', 'Model'),
    input('tool', 'Tool called'),
    h('label', { class: 'field' }, h('span', {}, 'Status'), status),
    h('label', { class: 'field' }, h('span', {}, 'End reason'), endReason),
    h('label', { class: 'field' }, h('span', {}, 'Detected issue'), issue),
    KEPT.filter((k) => f[k]).map((k) => h('input', { type: 'hidden', name: k, value: f[k] })),
    input('from', 'From', { type: 'datetime-local', step: 'any' }),
    input('to', 'To', { type: 'datetime-local', step: 'any' }),
    h(
      'div',
      { class: 'field-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply'),
      any ? h('a', { class: 'btn', href: href.sessions() }, 'Clear') : null,
    ),
  );
}

function emptyState(filters) {
  const filtered = FILTERS.some((k) => filters[k]);
  return h(
    'div',
    { class: 'empty' },
    h('h3', {}, filtered ? 'No sessions match these filters' : 'No sessions yet'),
    h(
      'p',
      { class: 'muted' },
      filtered
        ? 'Try a wider time range or fewer filters.'
        : 'Point the SDK at this collector (SENTRIAL_API_URL and SENTRIAL_API_KEY) and run an agent: its session shows here within a second.',
    ),
  );
}

function sessionTable(sessions) {
  return h(
    'table',
    { class: 'sessions' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Status', 'Prompt', 'Agent', 'User', 'Conversation', 'Started', 'Duration', 'Tools', 'Tokens', 'Cost'].map(
          (c, i) => h('th', { class: i >= 6 ? 'num' : null, scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      sessions.map((s) => {
        const link = href.session(s.id);
        return h(
          'tr',
          { class: `st-row-${s.status}`, dataset: { sessionId: s.id, status: s.status } },
          h(
            'td',
            {},
            h('div', { class: 'status-cell' }, statusBadge(s.status), endReasonTag(s)),
            s.issue_kinds && s.issue_kinds.length
              ? h(
                  'div',
                  { class: 'issue-badges' },
                  s.issue_kinds.map((k) => h('a', { href: href.sessions({ issue: k }) }, issueBadge(k))),
                )
              : null,
          ),
          h(
            'td',
            { class: 'prompt' },
            s.name ? h('strong', { class: 'session-name', dataset: { name: s.name } }, s.name, ' ') : null,
            h('a', { href: link, class: 'row-link' }, snippet(s.input, 110) || h('span', { class: 'muted' }, s.id)),
            s.failure_reason ? h('div', { class: 'error-line small' }, snippet(s.failure_reason, 110)) : null,
          ),
          h('td', {}, s.agent ? h('a', { href: href.sessions({ agent: s.agent }), class: 'chip' }, s.agent) : '—'),
          h(
            'td',
            {},
            s.user_id ? h('a', { href: href.sessions({ user_id: s.user_id }), class: 'subtle' }, s.user_id) : '—',
          ),
          h(
            'td',
            {},
            s.convo_id
              ? h('a', { href: href.conversation(s.convo_id), class: 'subtle mono' }, snippet(s.convo_id, 24))
              : '—',
          ),
          h('td', { title: datetime(s.started_at), class: 'nowrap' }, ago(s.started_at)),
          h(
            'td',
            { class: 'num' },
            s.status === 'running' && s.duration_ms === null
              ? h('span', { class: 'muted' }, 'running')
              : duration(s.duration_ms),
          ),
          h('td', { class: 'num' }, String(s.tool_call_count)),
          h('td', { class: 'num' }, tokens(s.total_tokens)),
          h('td', { class: 'num' }, cost(s.cost_usd)),
        );
      }),
    ),
  );
}

/** A click on a row of the table, not on one of its links, opens the row's session. */
function openRow(e) {
  const row = e.target instanceof Element && e.target.closest('table.sessions tbody tr');
  if (!row || e.target.closest('a')) return;
  const link = row.querySelector('a.row-link');
  if (link) link.click();
}
