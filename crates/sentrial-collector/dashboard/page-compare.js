// Compare: two or more values of one dimension (agent, model, or a metadata key such as
// `version`) side by side over a range: sessions, cost per session, duration p50/p95, failure
// rate, turns, tool calls and average score, each value's difference from the first marked
// better or worse with its relative change. The values offered are those seen in the range;
// every number opens the sessions behind it.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { cost, duration, num, percent } from './format.js';
import { iso, rangeOf, rangePicker, sessionsIn } from './ranges.js';
import { href } from './routes.js';
import { card } from './widgets.js';

const DIMENSIONS = [
  ['agent', 'Agent'],
  ['model', 'Model'],
  ['metadata', 'Metadata key'],
];

/**
 * The figures compared, in order: the API's name, the row's label, how a value reads, which way
 * is better (`lower`, `higher`, or null: neither), and the list's extra filter for its sessions.
 */
const FIGURES = [
  ['sessions', 'Sessions', num, null],
  ['cost_per_session', 'Cost per session', cost, 'lower'],
  ['duration_p50_ms', 'Duration p50', duration, 'lower'],
  ['duration_p95_ms', 'Duration p95', duration, 'lower'],
  ['failure_rate', 'Failure rate', percent, 'lower', { status: 'failed' }],
  ['avg_turns', 'Turns per session', (v) => (v === null ? '—' : v.toFixed(1)), null],
  ['tool_calls_per_session', 'Tool calls per session', (v) => v.toFixed(1), null],
  ['avg_score', 'Average score', (v) => (v === null ? '—' : v.toFixed(2)), 'higher'],
];

export async function comparePage(root) {
  const params = new URLSearchParams(location.search);
  const range = rangeOf(location.search);
  const dim = DIMENSIONS.some(([k]) => k === params.get('by')) ? params.get('by') : 'agent';
  const key = (params.get('key') ?? 'version').trim();
  const by = dim === 'metadata' ? `metadata.${key}` : dim;
  const chosen = params
    .getAll('values')
    .flatMap((v) => v.split(','))
    .filter(Boolean);
  const to = Date.now();
  const from = to - range.ms;
  const span = { from: iso(from), to: iso(to) };
  const [seen, compared] = await Promise.all([
    api('/api/analytics/values', { by, ...span }),
    chosen.length >= 2 ? api('/api/analytics/compare', { by, values: chosen.join(','), ...span }) : null,
  ]);
  /** The list's filters that select the sessions of value `v`. */
  const of = (v) => (dim === 'metadata' ? { metadata_key: key, metadata_value: v } : { [dim]: v });
  const link = (change) => href.compare({ by: dim, key: dim === 'metadata' ? key : '', range: range.key, ...change });
  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Compare'),
      h('span', { class: 'spacer' }),
      rangePicker(
        range,
        (r) => `${link({ range: r })}${chosen.map((v) => `&values=${encodeURIComponent(v)}`).join('')}`,
      ),
    ),
    picker({ dim, key, range, seen: seen.values, chosen }),
    compared
      ? card(
          `By ${by}`,
          'compare',
          compareTable(compared.values, (v, extra) => sessionsIn(from, to, { ...of(v), ...extra })),
        )
      : h(
          'div',
          { class: 'empty' },
          h('h3', {}, 'Pick two or more values'),
          h('p', { class: 'muted' }, 'Each is set beside the first one picked, its differences marked.'),
        ),
  );
  return null;
}

/** The form: the dimension (changing it offers its values), the key, the values seen. */
function picker({ dim, key, range, seen, chosen }) {
  const form = h(
    'form',
    { class: 'filters', method: 'get', action: href.compare(), dataset: { comparePicker: '' } },
    h('input', { type: 'hidden', name: 'range', value: range.key }),
    h(
      'label',
      { class: 'field' },
      h('span', {}, 'Compare by'),
      h(
        'select',
        { name: 'by', onchange: () => form.requestSubmit() },
        DIMENSIONS.map(([k, label]) => h('option', { value: k, selected: k === dim }, label)),
      ),
    ),
    dim === 'metadata'
      ? h(
          'label',
          { class: 'field' },
          h('span', {}, 'Key'),
          h('input', { name: 'key', value: key, autocomplete: 'off', pattern: '[A-Za-z0-9_.\\-]{1,64}' }),
        )
      : null,
    h(
      'fieldset',
      { class: 'field compare-values' },
      h('legend', {}, seen.length ? 'Values seen (most sessions first)' : 'No value seen in this range'),
      seen.map((v) =>
        h(
          'label',
          { class: 'check', title: v.value.includes(',') ? 'A value with a comma cannot be compared' : null },
          h('input', {
            type: 'checkbox',
            name: 'values',
            value: v.value,
            checked: chosen.includes(v.value),
            disabled: v.value.includes(','),
          }),
          ` ${v.value} `,
          h('span', { class: 'muted small' }, `(${num(v.sessions)})`),
        ),
      ),
    ),
    h('div', { class: 'field-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Compare')),
  );
  return form;
}

/** The figures as rows, the values as columns; `behind(value, filters)` links to the sessions. */
function compareTable(values, behind) {
  return h(
    'table',
    { class: 'issues compare' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Figure'),
        values.map((v, i) =>
          h('th', { scope: 'col', class: 'num', dataset: { value: v.value } }, v.value, i === 0 ? ' (baseline)' : ''),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      FIGURES.map(([name, label, format, better, extra]) =>
        h(
          'tr',
          { dataset: { figure: name } },
          h('th', { scope: 'row' }, label),
          values.map((v, i) => figureCell(v, name, format, better, i > 0, behind(v.value, extra))),
        ),
      ),
    ),
  );
}

/** One value's figure, a link to its sessions, with its change from the baseline marked. */
function figureCell(v, name, format, better, compared, link) {
  const value = v[name];
  const change = compared ? v.change?.[name] : undefined;
  let mark = null;
  let verdict = null;
  if (typeof change === 'number' && change !== 0) {
    const up = change > 0;
    verdict = better === null ? null : (better === 'lower') !== up ? 'better' : 'worse';
    mark = h(
      'span',
      { class: ['small', verdict], dataset: { change: verdict ?? 'changed' } },
      ` ${up ? '▲' : '▼'} ${up ? '+' : ''}${Math.round(change * 1000) / 10}%`,
      verdict ? ` ${verdict}` : '',
    );
  }
  return h(
    'td',
    { class: ['num', verdict], dataset: { value: v.value } },
    h('a', { href: link }, value === null || value === undefined ? '—' : format(value)),
    mark,
  );
}
