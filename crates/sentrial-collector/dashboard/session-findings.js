// A session's detected issues: each finding with its severity, its line and the steps it points at.
// A tool call it points at opens in the tool-call timeline, which marks the calls findings point at;
// a turn, in the turns table; a marker, in the transcript.

import { h } from './dom.js';
import { href } from './routes.js';
import { card, issueBadge } from './widgets.js';

/** The findings of `s` that point at each tool call, by `tool_use_id`. */
export function findingsByCall(s) {
  const out = new Map();
  for (const f of s.issues || []) {
    for (const e of f.evidence) {
      if (e.type !== 'tool_call') continue;
      const list = out.get(e.tool_use_id) ?? [];
      if (!list.includes(f)) list.push(f);
      out.set(e.tool_use_id, list);
    }
  }
  return out;
}

/** The findings of `s` that point at each turn, by index. */
export function findingsByTurn(s) {
  const out = new Map();
  for (const f of s.issues || []) {
    for (const e of f.evidence) {
      if (e.type === 'turn') out.set(e.index, [...(out.get(e.index) ?? []), f]);
    }
  }
  return out;
}

/** Badges for `findings`, as a step shows them. */
export function findingBadges(findings) {
  return (findings ?? []).map((f) => issueBadge(f.kind, f.severity));
}

/** The card of a session's findings, or null when it has none. */
export function findingsCard(s) {
  const issues = s.issues || [];
  if (!issues.length) return null;
  const calls = new Map((s.tool_calls || []).map((c) => [c.tool_use_id, c]));
  return card(
    'Detected issues',
    'findings',
    h(
      'ul',
      { class: 'findings' },
      issues.map((f) =>
        h(
          'li',
          { class: ['finding', `sev-${f.severity}`], dataset: { kind: f.kind, severity: f.severity } },
          h('div', { class: 'finding-head' }, issueBadge(f.kind, f.severity), h('span', {}, f.summary)),
          f.evidence.length
            ? h(
                'div',
                { class: 'evidence small' },
                h('span', { class: 'muted' }, 'Points at '),
                f.evidence.map((e) => evidenceLink(s, e, calls)),
              )
            : null,
        ),
      ),
    ),
  );
}

function evidenceLink(s, e, calls) {
  if (e.type === 'tool_call') {
    const c = calls.get(e.tool_use_id);
    const label = c ? `${c.tool_name} #${c.seq}` : e.tool_use_id;
    return h(
      'button',
      {
        type: 'button',
        class: 'chip evidence-link',
        dataset: { toolUseId: e.tool_use_id },
        onclick: () => openCall(e),
      },
      label,
    );
  }
  if (e.type === 'turn') {
    return h(
      'button',
      { type: 'button', class: 'chip evidence-link', dataset: { turn: String(e.index) }, onclick: () => openTurn(e) },
      `turn ${e.index + 1}`,
    );
  }
  return h(
    'a',
    { class: 'chip evidence-link', href: href.transcript(s.id), dataset: { marker: e.marker } },
    `${e.marker} (transcript)`,
  );
}

/** Opens the timeline row of the call `e` points at and brings it into view. */
function openCall(e) {
  const row = document.querySelector(`.tl-row[data-tool-use-id="${CSS.escape(e.tool_use_id)}"]`);
  if (!row) return;
  const head = row.querySelector('.tl-head');
  if (head && head.getAttribute('aria-expanded') !== 'true') head.click();
  flash(row);
}

/** Brings the turns table's row of `e` into view. */
function openTurn(e) {
  const row = document.querySelector(`tr[data-turn="${e.index}"]`);
  if (row) flash(row);
}

function flash(el) {
  el.scrollIntoView({ block: 'center' });
  el.classList.remove('is-flash');
  void el.offsetWidth;
  el.classList.add('is-flash');
}
