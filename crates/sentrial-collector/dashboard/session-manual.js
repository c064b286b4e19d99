// What a manual session (SentrialClient.createSession / begin) adds to a session's pages: its
// custom metrics as overview cards, its parent and children (a tree), its decisions and errors
// (a card beside the timeline, and lines in the transcript), and the model calls it reported
// with their prompt, answer and cost (a tool call's reasoning is in `tools.js`'s detail).

import { h } from './dom.js';
import { cost, datetime, num, tokens } from './format.js';
import { href } from './routes.js';
import { block } from './tools.js';
import { card, stat } from './widgets.js';

/** One overview card per custom metric. */
export function metricStats(s) {
  return Object.entries(s.metrics || {}).map(([name, value]) =>
    h('div', { class: 'metric-stat', dataset: { metric: name } }, stat(name, num(value), 'custom metric')),
  );
}

/** A link to a session: its name (else its id) and, muted, its agent. */
function sessionLink(id, name, agent) {
  return h(
    'a',
    { href: href.session(id), dataset: { session: id } },
    name || id,
    agent ? h('span', { class: 'muted' }, ` · ${agent}`) : null,
  );
}

/** The children as nested lists: name, agent, status, start and cost of each. */
function tree(children) {
  return h(
    'ul',
    { class: 'session-tree' },
    children.map((c) =>
      h(
        'li',
        { dataset: { child: c.id } },
        sessionLink(c.id, c.name, c.agent),
        h('span', { class: 'muted small' }, ` · ${c.status} · ${datetime(c.started_at)} · ${cost(c.cost_usd)}`),
        c.children?.length ? tree(c.children) : null,
      ),
    ),
  );
}

/** The session's parent (a link) and the sessions started under it; null when it has neither. */
export function familyCard(s) {
  const children = s.children || [];
  if (!s.parent_session_id && !children.length) return null;
  return card(
    'Parent and child sessions',
    'family',
    s.parent_session_id
      ? h('p', { class: 'parent-link' }, 'Started under ', sessionLink(s.parent_session_id, null, null))
      : null,
    children.length
      ? [
          h(
            'p',
            { class: 'card-sub muted small' },
            `${num(children.length)} started under this one`,
            ' · ',
            h('a', { href: href.sessions({ parent: s.id }) }, 'list them'),
          ),
          tree(children),
        ]
      : null,
  );
}

/** A decision's reasoning and alternatives, the chosen one marked. */
function decisionText(d) {
  const alternatives = Array.isArray(d.alternatives) ? d.alternatives : [];
  return [
    h('strong', {}, 'Decision'),
    ` · ${d.reasoning ?? ''}`,
    alternatives.length
      ? h(
          'span',
          { class: 'alternatives' },
          ' · ',
          alternatives.map((a, i) => [
            i ? ', ' : null,
            a === d.chosen
              ? h('mark', { class: 'chosen', dataset: { chosen: 'true' }, title: 'chosen' }, `✓ ${a}`)
              : h('span', { class: 'muted' }, a),
          ]),
        )
      : null,
    d.chosen && !alternatives.includes(d.chosen) ? [' · chose ', h('mark', { class: 'chosen' }, d.chosen)] : null,
  ];
}

/** An error's type, message and context. */
function errorText(d) {
  const context = d.context && typeof d.context === 'object' ? Object.entries(d.context) : [];
  return [
    h('strong', { class: 'error-line' }, d.error_type || 'Error'),
    ` · ${d.message ?? ''}`,
    context.map(([k, x]) => h('span', { class: 'muted' }, ` · ${k}: ${typeof x === 'string' ? x : JSON.stringify(x)}`)),
  ];
}

/** The transcript's lines of the marker kinds a manual session reports: icon, then line. */
export const MANUAL_MARKERS = {
  decision: ['◆', decisionText],
  error: ['✕', errorText],
};

/** The timeline's rows of the decisions and errors: a point at each one's time on the calls' axis
 * (which starts at `t0` and spans `total` ms, or is unknown when `total` is null). */
export function markerRows(s, t0, total) {
  return (s.markers || [])
    .filter((m) => Object.hasOwn(MANUAL_MARKERS, m.kind))
    .map((m) => {
      const at = Date.parse(m.at);
      const left = total && Number.isFinite(at) ? `${((at - t0) / total) * 100}%` : null;
      const what = m.kind === 'decision' ? (m.data?.chosen ?? m.data?.reasoning) : m.data?.message;
      return h(
        'div',
        { class: ['tl-row', 'tl-manual', `mk-${m.kind}`], role: 'listitem', dataset: { timelineMarker: m.kind } },
        h(
          'div',
          { class: 'tl-head' },
          h(
            'span',
            { class: 'tl-name' },
            h('span', { class: 'tr-marker-icon', 'aria-hidden': 'true' }, MANUAL_MARKERS[m.kind][0], ' '),
            h('strong', { class: 'tl-tool' }, m.kind === 'decision' ? 'Decision' : 'Error'),
            h('span', { class: 'tl-summary' }, what ?? ''),
          ),
          h('span', { class: 'tl-dur' }, ''),
          h(
            'span',
            { class: 'tl-track' },
            left
              ? h('div', {
                  class: ['tl-point', m.kind === 'error' ? 'st-error' : 'st-decision'],
                  title: datetime(m.at),
                  style: { left },
                })
              : null,
          ),
        ),
      );
    });
}

/** The decisions and errors in the order they happened, beside the timeline. */
export function decisionsCard(s) {
  const items = (s.markers || []).filter((m) => Object.hasOwn(MANUAL_MARKERS, m.kind));
  if (!items.length) return null;
  return card(
    'Decisions and errors',
    'decisions',
    h(
      'ol',
      { class: 'decisions' },
      items.map((m) =>
        h(
          'li',
          { class: ['decision-item', `mk-${m.kind}`], dataset: { marker: m.kind }, title: datetime(m.at) },
          h('span', { class: 'tr-marker-icon', 'aria-hidden': 'true' }, MANUAL_MARKERS[m.kind][0], ' '),
          MANUAL_MARKERS[m.kind][1](m.data || {}),
          m.kind === 'error' && m.data?.stack
            ? h('details', {}, h('summary', { class: 'muted small' }, 'stack'), block(m.data.stack, {}))
            : null,
        ),
      ),
    ),
  );
}

/** The model calls the session reported itself: prompt, answer and cost of each. */
export function llmCallsCard(s) {
  const calls = (s.model_calls || []).filter(
    (c) => (c.prompt !== null && c.prompt !== undefined) || (c.cost_usd !== null && c.cost_usd !== undefined),
  );
  if (!calls.length) return null;
  return card(
    'LLM calls',
    'llm-calls',
    calls.map((c) => {
      const answer = (c.content || [])
        .filter((b) => b.type === 'text')
        .map((b) => b.text)
        .join('\n');
      return h(
        'div',
        { class: 'llm-call', dataset: { llmCall: c.message_id } },
        h(
          'p',
          { class: 'small' },
          h('strong', { class: 'mono' }, c.model),
          ` · ${tokens(c.input_tokens)} in · ${tokens(c.output_tokens)} out · `,
          h('span', { dataset: { cost: 'true' } }, cost(c.cost_usd)),
          c.cost_estimated ? h('span', { class: 'tag tag-warn' }, 'estimated') : null,
        ),
        c.prompt ? block(c.prompt, { label: 'prompt' }) : null,
        answer ? block(answer, { label: 'output', kind: 'prose' }) : null,
      );
    }),
  );
}
