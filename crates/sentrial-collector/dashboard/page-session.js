// Session: the overview, the prompt and the final response, the tool-call timeline, the token
// and cost breakdown, and the metadata. A running session refreshes itself until it ends.

import { api, ApiError } from './api.js';
import { stackBar } from './charts.js';
import { h, path, replace, withQuery } from './dom.js';
import { asText, cost, datetime, duration, num, tokens } from './format.js';
import { stat } from './page-conversation.js';
import { statusBadge } from './page-sessions.js';
import { timeline } from './timeline.js';
import { block } from './tools.js';

const REFRESH_MS = 1500;

export async function sessionPage(main, { id, setLive }) {
  const open = new Set();
  let last = '';
  let timer = null;
  const load = async () => {
    const s = await api(path`/api/sessions/${id}`);
    const key = JSON.stringify(s);
    if (key !== last) {
      last = key;
      const y = window.scrollY;
      replace(main, ...render(s, open));
      window.scrollTo(0, y);
    }
    const running = s.status === 'running';
    setLive(running);
    if (!running && timer) {
      clearInterval(timer);
      timer = null;
    }
    return running;
  };
  if (await load()) {
    timer = setInterval(() => load().catch((e) => e instanceof ApiError || console.error(e)), REFRESH_MS);
  }
  return () => timer && clearInterval(timer);
}

function render(s, open) {
  const failed = s.tool_calls.filter((c) => c.status === 'error').length;
  const subCalls = s.tool_calls.filter((c) => c.parent_tool_use_id).length;
  return [
    h('nav', { class: 'crumbs' }, h('a', { href: '/' }, 'Sessions'), ' / ', h('code', {}, s.id)),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, s.agent ?? 'Session'),
      statusBadge(s.status),
      s.cost_estimated ? h('span', { class: 'tag tag-warn', title: 'The SDK estimated the cost from its pricing table' }, 'cost estimated') : null,
    ),
    overview(s),
    s.failure_reason ? h('div', { class: 'alert' }, h('strong', {}, 'Failed: '), s.failure_reason) : null,
    h(
      'div',
      { class: 'io' },
      card('Prompt', 'input', s.input === null ? h('p', { class: 'muted' }, 'No prompt recorded yet.') : block(s.input, { kind: 'prose' })),
      card(
        'Final response',
        'output',
        s.output === null
          ? h('p', { class: 'muted' }, s.status === 'running' ? 'The agent is still working…' : 'No final response.')
          : block(s.output, { kind: 'prose' }),
      ),
    ),
    card(
      'Tool calls',
      'timeline',
      h(
        'p',
        { class: 'card-sub muted small' },
        `${num(s.tool_calls.length)} call${s.tool_calls.length === 1 ? '' : 's'}`,
        failed ? h('span', { class: 'error-line' }, ` · ${failed} failed`) : null,
        subCalls ? ` · ${subCalls} in sub-agents` : null,
        ' · click a call for its input and output',
      ),
      timeline(s, open),
    ),
    s.turns && s.turns.length > 1 ? card('Turns', 'turns', turns(s)) : null,
    h('div', { class: 'two' }, card('Tokens and cost', 'usage', usage(s)), card('Metadata', 'metadata', metadata(s))),
    s.model_calls && s.model_calls.length ? card('Model calls', 'model-calls', modelCalls(s)) : null,
  ];
}

function table(headers, rows) {
  return h(
    'table',
    { class: 'by-model' },
    h('thead', {}, h('tr', {}, headers.map(([c, isNum]) => h('th', { class: isNum ? 'num' : null }, c)))),
    h('tbody', {}, rows),
  );
}

/** One row per result: what each user turn (or background resume) added. */
function turns(s) {
  return table(
    [['#'], ['Input'], ['Output'], ['Duration', true], ['Tokens', true], ['Cost', true]],
    s.turns.map((t) =>
      h(
        'tr',
        { class: t.is_error ? 'is-error' : null },
        h('td', {}, String(t.index + 1)),
        h('td', {}, t.input ?? h('span', { class: 'muted' }, '—')),
        h('td', {}, t.output ?? h('span', { class: 'muted' }, t.subtype)),
        h('td', { class: 'num' }, duration(t.duration_ms)),
        h('td', { class: 'num' }, tokens(t.total_tokens)),
        h('td', { class: 'num' }, cost(t.cost_usd)),
      ),
    ),
  );
}

/** One row per assistant message id, sub-agent calls marked, and how they reconcile. */
function modelCalls(s) {
  const r = s.usage_reconciliation;
  return [
    r && !r.matches ? h('p', { class: 'card-sub muted small', dataset: { reconciliation: 'differs' } }, r.note) : null,
    table(
      [['Message'], ['Model'], ['Stop'], ['Input', true], ['Output', true], ['Cache read', true], ['Cache write', true], ['Time', true]],
      s.model_calls.map((c) =>
        h(
          'tr',
          {},
          h('td', { class: 'mono' }, c.parent_tool_use_id ? `↳ ${c.message_id}` : c.message_id),
          h('td', { class: 'mono' }, c.model),
          h('td', {}, c.stop_reason ?? '—'),
          h('td', { class: 'num' }, tokens(c.input_tokens)),
          h('td', { class: 'num' }, tokens(c.output_tokens)),
          h('td', { class: 'num' }, tokens(c.cache_read_tokens)),
          h('td', { class: 'num' }, tokens(c.cache_creation_tokens)),
          h('td', { class: 'num' }, duration(Date.parse(c.ended_at) - Date.parse(c.started_at))),
        ),
      ),
    ),
  ];
}

function overview(s) {
  return h(
    'div',
    { class: 'stats' },
    stat('User', s.user_id ? h('a', { href: withQuery('/', { user_id: s.user_id }) }, s.user_id) : '—'),
    stat('Conversation', s.convo_id ? h('a', { href: path`/conversations/${s.convo_id}`, class: 'mono' }, s.convo_id) : '—'),
    stat('Started', datetime(s.started_at).slice(11), s.started_at ? datetime(s.started_at).slice(0, 10) + (s.ended_at ? ` · ended ${datetime(s.ended_at).slice(11)}` : '') : null),
    stat('Duration', duration(s.duration_ms), s.api_duration_ms !== null ? `API ${duration(s.api_duration_ms)}` : null),
    stat('Turns', num(s.num_turns)),
    stat('Tokens', tokens(s.total_tokens)),
    stat('Cost', cost(s.cost_usd), s.model ?? null),
  );
}

function card(title, name, ...children) {
  return h('section', { class: 'card', dataset: { card: name } }, h('h2', {}, title), children);
}

function usage(s) {
  const parts = [
    { name: 'Prompt', value: s.prompt_tokens ?? 0, className: 'c-prompt' },
    { name: 'Completion', value: s.completion_tokens ?? 0, className: 'c-completion' },
    { name: 'Cache read', value: s.cache_read_tokens ?? 0, className: 'c-cache-read' },
    { name: 'Cache write', value: s.cache_creation_tokens ?? 0, className: 'c-cache-write' },
  ];
  const models = Object.entries(s.model_usage || {});
  return [
    s.total_tokens === null ? h('p', { class: 'muted' }, 'No usage reported yet.') : stackBar(parts, tokens),
    models.length
      ? h(
          'table',
          { class: 'by-model' },
          h('thead', {}, h('tr', {}, ['Model', 'Prompt', 'Completion', 'Cache read', 'Cache write', 'Cost'].map((c, i) => h('th', { class: i ? 'num' : null }, c)))),
          h(
            'tbody',
            {},
            models.map(([model, u]) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono' }, model),
                h('td', { class: 'num' }, tokens(u.input_tokens)),
                h('td', { class: 'num' }, tokens(u.output_tokens)),
                h('td', { class: 'num' }, tokens(u.cache_read_tokens)),
                h('td', { class: 'num' }, tokens(u.cache_creation_tokens)),
                h('td', { class: 'num' }, cost(u.cost_usd)),
              ),
            ),
            models.length > 1
              ? h('tr', { class: 'total' }, h('td', {}, 'Total'), h('td', { class: 'num' }, tokens(s.prompt_tokens)), h('td', { class: 'num' }, tokens(s.completion_tokens)), h('td', { class: 'num' }, tokens(s.cache_read_tokens)), h('td', { class: 'num' }, tokens(s.cache_creation_tokens)), h('td', { class: 'num' }, cost(s.cost_usd)))
              : null,
          ),
        )
      : null,
  ];
}

function metadata(s) {
  const entries = Object.entries(s.metadata || {});
  const rows = [
    ['session id', s.id],
    ['claude session id', s.claude_session_id],
    ['model', s.model],
    ['results', s.results],
    ['received', datetime(s.received_at)],
    ...entries,
  ].filter(([, v]) => v !== null && v !== undefined);
  return h(
    'dl',
    { class: 'meta-list' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : h('code', {}, asText(v)))]),
  );
}
