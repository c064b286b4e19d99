// Transcript: a session as a person reads it, top to bottom, from /api/sessions/{id}/transcript:
// the user's turns, what the model said and thought, each tool call drawn as the timeline draws it
// (with its result), what a sub-agent did nested under the Task call that started it, the
// markers that change how a run reads (a compaction, an API retry, ...), and each turn's end with
// its cost. Everything lands in text nodes; long parts are collapsed and say what they hide.

import { api } from './api.js';
import { h } from './dom.js';
import { bytes, cost, datetime, duration, percent, tokens } from './format.js';
import { path } from './routes.js';
import { refreshWhileRunning, rerender, sessionHead } from './session-head.js';
import { block, callTags, detail, STATUS, summary } from './tools.js';
import { outputTokens } from './widgets.js';
import { MANUAL_MARKERS } from './session-manual.js';

/** Lines of thinking shown before it collapses. */
const THINKING_LINES = 4;

export async function transcriptPage(root, { id, setLive }) {
  const state = { last: '' };
  return refreshWhileRunning(async () => {
    const [s, t] = await Promise.all([api(path`/api/sessions/${id}`), api(path`/api/sessions/${id}/transcript`)]);
    rerender(root, state, JSON.stringify([s, t]), () => [...sessionHead(s, 'transcript'), transcript(t)]);
    return s;
  }, setLive);
}

function transcript(t) {
  if (!t.items.length) {
    return h(
      'div',
      { class: 'empty' },
      h('h3', {}, 'Nothing to read yet'),
      h('p', { class: 'muted' }, 'The transcript fills in as the run’s events arrive.'),
    );
  }
  return h('ol', { class: 'transcript', 'aria-label': 'Transcript' }, items(t.items));
}

/** The items of one level. A turn's result shows its text only when no model call of the turn
 * kept what it said (an older SDK, the privacy mode), so the answer is not read twice. */
function items(list) {
  let said = false;
  return list.map((item) => {
    switch (item.kind) {
      case 'user':
        return user(item);
      case 'model_call':
        said ||= item.content.some((b) => b.type === 'text');
        return modelCall(item);
      case 'tool_call':
        return toolCall(item);
      case 'marker':
        return marker(item);
      case 'result': {
        const node = result(item, !said);
        said = false;
        return node;
      }
      default:
        return h('li', { class: 'tr-item tr-note' }, `A step this dashboard does not know (${item.kind}).`);
    }
  });
}

function who(label, ...rest) {
  return h(
    'div',
    { class: 'tr-who' },
    h('strong', {}, label),
    rest.length ? h('span', { class: 'muted small' }, ...rest) : null,
  );
}

function user(u) {
  return h(
    'li',
    { class: 'tr-item tr-user', dataset: { kind: 'user', turn: String(u.turn) } },
    who(u.position === null && u.turn === 0 ? 'Prompt' : `User · turn ${u.turn + 1}`),
    block(u.text, { kind: 'prose' }),
  );
}

function modelCall(m) {
  const uses = m.content.filter((b) => b.type === 'tool_use');
  const said = m.content.filter((b) => b.type !== 'tool_use');
  return h(
    'li',
    { class: 'tr-item tr-model', dataset: { kind: 'model_call', messageId: m.message_id } },
    who(
      'Assistant',
      ` · ${m.model} · ${tokens(m.input_tokens)} in · `,
      outputTokens(m),
      ' out',
      m.ttft_ms === null || m.ttft_ms === undefined ? null : ` · first token ${duration(m.ttft_ms)}`,
    ),
    said.map(contentBlock),
    !m.content.length
      ? h(
          'p',
          { class: 'muted small' },
          'What the model said was not kept (an SDK before transcripts, or the privacy mode).',
        )
      : null,
    uses.length ? h('p', { class: 'tr-uses muted small' }, `Calls ${uses.map((b) => b.name).join(', ')}`) : null,
  );
}

function note(kind, ...text) {
  return h('div', { class: 'tr-block-note', dataset: { block: kind } }, ...text);
}

function contentBlock(b) {
  switch (b.type) {
    case 'text':
      return h('div', { class: 'tr-text', dataset: { block: 'text' } }, block(b.text, { kind: 'prose' }));
    case 'thinking':
      return h(
        'div',
        { class: 'tr-thinking', dataset: { block: 'thinking' } },
        h('div', { class: 'tr-thinking-label' }, 'Thinking'),
        block(b.thinking, { kind: 'prose', className: 'thinking', maxLines: THINKING_LINES }),
      );
    case 'redacted_thinking':
      return note(
        'redacted_thinking',
        h('span', { class: 'tag tag-redacted' }, 'redacted thinking'),
        ' The API returned this thinking encrypted; only the fact is kept.',
      );
    case 'omitted':
      return note(
        'omitted',
        `${b.kind === 'thinking' ? 'Thinking' : 'Text'} of ${bytes(b.bytes)} left out: the session’s transcript budget was spent.`,
      );
    case 'unsupported':
      return note('unsupported', `A ${b.kind} block, not kept in transcripts.`);
    default:
      return note('unknown', 'A block of a kind this collector does not know.');
  }
}

function toolCall(c) {
  const st = STATUS[c.status] ?? { icon: '?', label: c.status };
  const sub = c.items.length || c.subagent ? subagent(c) : null;
  return h(
    'li',
    {
      class: ['tr-item', 'tr-call', `st-${c.status}`],
      dataset: { kind: 'tool_call', toolUseId: c.tool_use_id, status: c.status },
    },
    h(
      'div',
      { class: 'tr-call-head' },
      h('span', { class: ['tl-status', `st-${c.status}`], title: st.label }, st.icon),
      h('strong', { class: 'tl-tool' }, c.tool_name),
      h('span', { class: 'tl-summary' }, summary(c)),
      callTags(c),
      c.status !== 'denied' && c.duration_ms !== null
        ? h('span', { class: 'muted small nowrap' }, duration(c.duration_ms))
        : null,
    ),
    detail(c),
    sub,
  );
}

/** What a Task call's sub-agent did, as one indented block under it. */
function subagent(c) {
  const a = c.subagent;
  const input = c.input && typeof c.input === 'object' ? c.input : {};
  const type = (a && a.agent_type) || input.subagent_type || 'sub-agent';
  const description = (a && a.description) || input.description;
  return h(
    'section',
    { class: 'tr-subagent', dataset: { subagent: c.tool_use_id } },
    h(
      'div',
      { class: 'tr-subagent-head' },
      h('span', { class: 'tag tag-sub' }, 'sub-agent'),
      h('strong', {}, type),
      description ? h('span', { class: 'muted' }, ` · ${description}`) : null,
      a
        ? h(
            'span',
            { class: ['tag', a.status === 'failed' ? 'tag-error' : 'tag-sub'], dataset: { subagentStatus: a.status } },
            a.status,
          )
        : null,
      a && a.total_tokens !== null ? h('span', { class: 'muted small' }, `${tokens(a.total_tokens)} tokens`) : null,
    ),
    c.items.length
      ? h('ol', { class: 'transcript nested' }, items(c.items))
      : h('p', { class: 'muted small' }, 'No steps of this sub-agent were recorded.'),
  );
}

/** A value of a marker's data as text, whatever its type. */
const v = (x) =>
  typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : JSON.stringify(x);
const given = (x) => x !== null && x !== undefined && x !== '';
const part = (x, f) => (given(x) ? f(x) : null);

/** A reset time: seconds or ms since the epoch, or a string. */
function resetTime(x) {
  if (typeof x !== 'number') return v(x);
  return datetime(new Date(x < 1e12 ? x * 1000 : x).toISOString());
}

/** How each kind of marker reads: its icon, then its line. */
const MARKERS = {
  compact: [
    '⇊',
    (d) => [
      'Context compacted',
      part(d.trigger, (t) => ` (${v(t)})`),
      given(d.pre_tokens)
        ? ` · ${tokens(d.pre_tokens)} → ${given(d.post_tokens) ? tokens(d.post_tokens) : '?'} tokens`
        : null,
    ],
  ],
  api_retry: [
    '↻',
    (d) => [
      `API retry · attempt ${given(d.attempt) ? v(d.attempt) : '?'}`,
      part(d.max_retries, (n) => ` of ${v(n)}`),
      part(d.error_status, (s) => ` · status ${v(s)}`),
      part(d.retry_delay_ms, (ms) => ` · waiting ${typeof ms === 'number' ? duration(ms) : v(ms)}`),
      part(d.error, (e) => ` · ${v(e)}`),
    ],
  ],
  api_error: [
    '!',
    (d) => ['API error', part(d.status, (s) => ` · status ${v(s)}`), part(d.message, (m) => ` · ${v(m)}`)],
  ],
  rate_limit: [
    '◔',
    (d) => [
      'Rate limit',
      part(d.status, (s) => ` · ${v(s)}`),
      part(d.rate_limit_type, (t) => ` · ${v(t)}`),
      part(d.utilization, (u) => ` · ${typeof u === 'number' ? percent(u) : v(u)} used`),
      part(d.resets_at, (r) => ` · resets ${resetTime(r)}`),
    ],
  ],
  model_fallback: [
    '⇄',
    (d) => [
      `Model fallback · ${given(d.original_model) ? v(d.original_model) : '?'} → ${given(d.fallback_model) ? v(d.fallback_model) : '?'}`,
      part(d.category, (c) => ` (${v(c)})`),
    ],
  ],
  refusal: [
    '⊘',
    (d) => [
      'The model refused',
      part(d.model, (m) => ` · ${v(m)}`),
      part(d.category, (c) => ` · ${v(c)}`),
      part(d.explanation, (e) => ` · ${v(e)}`),
    ],
  ],
  interrupt: ['■', (d) => ['Interrupted by the user', part(d.text, (t) => ` · ${v(t)}`)]],
  tool_summary: ['∑', (d) => ['Tool summary', part(d.summary, (s) => ` · ${v(s)}`)]],
  ...MANUAL_MARKERS,
};

function marker(m) {
  const known = Object.hasOwn(MARKERS, m.marker) ? MARKERS[m.marker] : null;
  const data = m.data && typeof m.data === 'object' ? m.data : {};
  return h(
    'li',
    {
      class: ['tr-item', 'tr-marker', known ? `mk-${m.marker}` : 'mk-other'],
      dataset: { kind: 'marker', marker: m.marker },
      title: datetime(m.at),
    },
    h('span', { class: 'tr-marker-icon', 'aria-hidden': 'true' }, known ? known[0] : '•'),
    h(
      'span',
      { class: 'tr-marker-text' },
      known ? known[1](data) : [m.marker, Object.entries(data).map(([k, x]) => ` · ${k}: ${v(x)}`)],
    ),
  );
}

function result(r, showOutput) {
  return h(
    'li',
    { class: ['tr-item', 'tr-result', r.is_error && 'is-error'], dataset: { kind: 'result', index: String(r.index) } },
    h(
      'div',
      { class: 'tr-turn-end' },
      h('strong', {}, `Turn ${r.index + 1} ended`),
      ` · ${r.subtype}`,
      r.terminal_reason && r.terminal_reason !== r.subtype ? ` · ${r.terminal_reason}` : null,
      r.api_error_status ? ` · API status ${r.api_error_status}` : null,
      h('span', { class: 'spacer' }),
      h(
        'span',
        { class: 'tr-cost' },
        `${tokens(r.total_tokens)} tokens · ${duration(r.duration_ms)} · `,
        h('strong', {}, cost(r.cost_usd)),
      ),
    ),
    showOutput && r.output ? block(r.output, { kind: 'prose' }) : null,
  );
}
