// Small pieces several pages draw: a session's status and how it ended, a labelled figure, a card,
// a model call's output count. Pages import them from here, never from each other.

import { h } from './dom.js';
import { tokens } from './format.js';

/** A status pill. */
export function statusBadge(status) {
  return h('span', { class: ['badge', `st-${status}`] }, status);
}

/** How a session ended, as a small label beside its status: `api_error 529`; nothing for a
 * success or when the status says it already (`interrupted`). */
export function endReasonTag(s) {
  if (!s.end_reason || s.end_reason === s.status) return null;
  const text = s.api_error_status ? `${s.end_reason} ${s.api_error_status}` : s.end_reason;
  return h('span', { class: 'tag tag-reason', title: 'How the run ended', dataset: { endReason: s.end_reason } }, text);
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

/** A titled card; `name` (its `data-card`, which tests and links find it by) may be null. */
export function card(title, name, ...children) {
  return h('section', { class: 'card', dataset: name ? { card: name } : null }, h('h2', {}, title), children);
}

const UNKNOWN_OUTPUT =
  "Unknown: without includePartialMessages the stream shows a call's output count only as the call started. The session's totals come from the result.";

/** A model call's output tokens: the final count, or "—" when the stream did not tell it. */
export function outputTokens(c) {
  return c.output_tokens_final
    ? tokens(c.output_tokens)
    : h('span', { class: 'muted', title: UNKNOWN_OUTPUT, dataset: { outputUnknown: 'true' } }, '—');
}

/** What each kind of detected issue is called on the page (the API's names are the keys). */
export const ISSUE_LABELS = {
  loop: 'Loop',
  error_streak: 'Error streak',
  tool_errors: 'Tool errors',
  limits: 'Limits',
  denied: 'Denied',
  api_trouble: 'API trouble',
  context: 'Context',
  slow_tool: 'Slow tool',
  cost_outlier: 'Cost outlier',
  unfinished: 'Unfinished',
};

/** A detected issue's kind as a small label; `severity` colours it when known. */
export function issueBadge(kind, severity) {
  return h(
    'span',
    { class: ['tag', 'tag-issue', severity && `sev-${severity}`], dataset: { issue: kind }, title: kind },
    ISSUE_LABELS[kind] ?? kind,
  );
}
