// Session: the overview, its detected issues, the prompt and the final response, the tool-call
// timeline (marking the calls findings point at), the token and cost breakdown, the metadata and
// the scores (with the form to add one). A running session refreshes itself until it ends.

import { api } from './api.js';
import { stackBar } from './charts.js';
import { h } from './dom.js';
import { asText, cost, datetime, duration, num, tokens } from './format.js';
import { href, path } from './routes.js';
import { findingBadges, findingsByTurn, findingsCard } from './session-findings.js';
import { refreshWhileRunning, rerender, sessionHead } from './session-head.js';
import { decisionsCard, familyCard, llmCallsCard, metricStats } from './session-manual.js';
import { scoresCard } from './session-scores.js';
import { timeline } from './timeline.js';
import { block } from './tools.js';
import { card, outputTokens, stat } from './widgets.js';

export async function sessionPage(root, { id, setLive }) {
  const open = new Set();
  const state = { last: '' };
  return refreshWhileRunning(async () => {
    const s = await api(path`/api/sessions/${id}`);
    rerender(root, state, JSON.stringify(s), () => render(s, open));
    return s;
  }, setLive);
}

function render(s, open) {
  const failed = s.tool_calls.filter((c) => c.status === 'error').length;
  const denied = s.tool_calls.filter((c) => c.status === 'denied').length;
  const subCalls = s.tool_calls.filter((c) => c.parent_tool_use_id).length;
  return [
    ...sessionHead(s, 'overview'),
    overview(s),
    s.failure_reason ? h('div', { class: 'alert' }, h('strong', {}, 'Failed: '), s.failure_reason) : null,
    findingsCard(s),
    familyCard(s),
    h(
      'div',
      { class: 'io' },
      card(
        'Prompt',
        'input',
        s.input === null ? h('p', { class: 'muted' }, 'No prompt recorded yet.') : block(s.input, { kind: 'prose' }),
      ),
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
        denied ? h('span', { class: 'warn' }, ` · ${denied} denied`) : null,
        subCalls ? ` · ${subCalls} in sub-agents` : null,
        ' · click a call for its input and output',
      ),
      timeline(s, open),
    ),
    decisionsCard(s),
    s.turns && s.turns.length > 1 ? card('Turns', 'turns', turns(s)) : null,
    h(
      'div',
      { class: 'two' },
      card('Tokens and cost', 'usage', usage(s)),
      card('Metadata', 'metadata', metadata(s), mcpServers(s)),
    ),
    s.model_calls && s.model_calls.length ? card('Model calls', 'model-calls', modelCalls(s)) : null,
    llmCallsCard(s),
    scoresCard(s),
  ];
}

function table(headers, rows) {
  return h(
    'table',
    { class: 'by-model' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map(([c, isNum]) => h('th', { class: isNum ? 'num' : null }, c)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

/** One row per result: what each user turn (or background resume) added, marked by the findings
 * that point at it. */
function turns(s) {
  const flagged = findingsByTurn(s);
  return table(
    [['#'], ['Input'], ['Output'], ['Duration', true], ['Tokens', true], ['Cost', true]],
    s.turns.map((t) =>
      h(
        'tr',
        { class: t.is_error ? 'is-error' : null, dataset: { turn: String(t.index) } },
        h('td', {}, String(t.index + 1), ' ', findingBadges(flagged.get(t.index))),
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
    r && !r.matches
      ? h(
          'p',
          { class: 'card-sub' },
          h(
            'span',
            {
              class: 'tag tag-warn',
              title:
                r.note ||
                "The model calls the stream showed do not add up to the result's totals; the session keeps the result's.",
              dataset: { reconciliation: 'differs' },
            },
            'stream ≠ result totals',
          ),
        )
      : null,
    table(
      [
        ['Message'],
        ['Model'],
        ['Stop'],
        ['Input', true],
        ['Output', true],
        ['Cache read', true],
        ['Cache write', true],
        ['First token', true],
        ['Time', true],
      ],
      s.model_calls.map((c) =>
        h(
          'tr',
          { dataset: { messageId: c.message_id } },
          h('td', { class: 'mono' }, c.parent_tool_use_id ? `↳ ${c.message_id}` : c.message_id),
          h('td', { class: 'mono' }, c.model),
          h('td', {}, c.output_tokens_final ? (c.stop_reason ?? '—') : h('span', { class: 'muted' }, '—')),
          h('td', { class: 'num' }, tokens(c.input_tokens)),
          h('td', { class: 'num' }, outputTokens(c)),
          h('td', { class: 'num' }, tokens(c.cache_read_tokens)),
          h('td', { class: 'num' }, tokens(c.cache_creation_tokens)),
          h('td', { class: 'num' }, c.ttft_ms === null || c.ttft_ms === undefined ? '—' : duration(c.ttft_ms)),
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
    stat('User', s.user_id ? h('a', { href: href.user(s.user_id), dataset: { userLink: '' } }, s.user_id) : '—'),
    stat('Conversation', s.convo_id ? h('a', { href: href.conversation(s.convo_id), class: 'mono' }, s.convo_id) : '—'),
    stat(
      'Started',
      datetime(s.started_at).slice(11),
      s.started_at
        ? datetime(s.started_at).slice(0, 10) + (s.ended_at ? ` · ended ${datetime(s.ended_at).slice(11)}` : '')
        : null,
    ),
    stat('Duration', duration(s.duration_ms), s.api_duration_ms !== null ? `API ${duration(s.api_duration_ms)}` : null),
    stat('Turns', num(s.num_turns)),
    stat('Tokens', tokens(s.total_tokens)),
    stat('Cost', cost(s.cost_usd), s.model ?? null),
    metricStats(s),
  );
}

function usage(s) {
  const parts = [
    { name: 'Prompt', value: s.prompt_tokens ?? 0, className: 'c-prompt' },
    { name: 'Completion', value: s.completion_tokens ?? 0, className: 'c-completion' },
    { name: 'Cache read', value: s.cache_read_tokens ?? 0, className: 'c-cache-read' },
    { name: 'Cache write', value: s.cache_creation_tokens ?? 0, className: 'c-cache-write' },
  ];
  const models = Object.entries(s.model_usage || {});
  const c = s.carried;
  return [
    s.total_tokens === null ? h('p', { class: 'muted' }, 'No usage reported yet.') : stackBar(parts, tokens),
    c
      ? h(
          'p',
          { class: 'carried muted small', dataset: { carried: 'true' } },
          `The SDK also reported ${tokens(c.total_tokens)} tokens and ${cost(c.cost_usd)} from earlier runs of the resumed session; they are not counted here.`,
        )
      : null,
    models.length
      ? h(
          'table',
          { class: 'by-model' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Model', 'Prompt', 'Completion', 'Cache read', 'Cache write', 'Cost'].map((c, i) =>
                h('th', { class: i ? 'num' : null }, c),
              ),
            ),
          ),
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
              ? h(
                  'tr',
                  { class: 'total' },
                  h('td', {}, 'Total'),
                  h('td', { class: 'num' }, tokens(s.prompt_tokens)),
                  h('td', { class: 'num' }, tokens(s.completion_tokens)),
                  h('td', { class: 'num' }, tokens(s.cache_read_tokens)),
                  h('td', { class: 'num' }, tokens(s.cache_creation_tokens)),
                  h('td', { class: 'num' }, cost(s.cost_usd)),
                )
              : null,
          ),
        )
      : null,
  ];
}

function mcpServers(s) {
  if (!s.mcp_servers || !s.mcp_servers.length) return null;
  return h(
    'div',
    { class: 'mcp-list', dataset: { card: 'mcp' } },
    h('h4', {}, 'MCP servers'),
    s.mcp_servers.map((m) =>
      h(
        'span',
        {
          class: ['chip', 'mcp', `mcp-${m.status === 'connected' ? 'ok' : 'bad'}`],
          title: m.status,
          dataset: { mcp: m.name },
        },
        m.name,
        h('span', { class: 'muted' }, ` · ${m.status || 'unknown'}`),
      ),
    ),
  );
}

function metadata(s) {
  const entries = Object.entries(s.metadata || {});
  const rows = [
    ['session id', s.id],
    ['claude session id', s.claude_session_id],
    ['resumed from', s.resumed_from],
    ['forked from', s.forked_from],
    ['entry point', s.entry_point],
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
