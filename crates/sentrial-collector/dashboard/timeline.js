// The tool-call timeline: calls in call order, sub-agent calls nested under the Task (Agent) call
// that started them, failures marked, and each call drawn as a bar on the session's time axis so
// calls that ran at the same time sit side by side; a denied call never ran, so it is a point, not
// a bar. A row opens to the call's input and output.

import { h } from './dom.js';
import { datetime, duration, tokens } from './format.js';
import { findingBadges, findingsByCall } from './session-findings.js';
import { callTags, detail, STATUS, summary } from './tools.js';
import { markerRows } from './session-manual.js';

const ms = (iso) => (iso ? Date.parse(iso) : null);

/** `sub-agent · 3 calls · 2.6k tokens · 441 ms · background`, from what the session knows. */
function subagentLabel(call, children) {
  const a = call.subagent;
  const parts = ['sub-agent', `${children} call${children === 1 ? '' : 's'}`];
  if (a && a.total_tokens !== null) parts.push(`${tokens(a.total_tokens)} tokens`);
  if (a && a.duration_ms !== null) parts.push(duration(a.duration_ms));
  if (a && a.background) parts.push('background');
  if (a && a.status === 'running') parts.push('running');
  return parts.join(' · ');
}

/** Call tree: roots in call order, each with its sub-agent calls as children. */
function tree(calls) {
  const byId = new Map(calls.map((c) => [c.tool_use_id, { call: c, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    const parent = node.call.parent_tool_use_id && byId.get(node.call.parent_tool_use_id);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** Each call's [start, end] in ms: its own times, else its start and duration; a denied call's
 * is its start alone. */
function span(call, now) {
  const start = ms(call.started_at);
  if (start === null) return null;
  if (call.status === 'denied') return [start, start];
  let end = ms(call.ended_at);
  if (end === null && call.duration_ms !== null) end = start + call.duration_ms;
  if (end === null) end = call.status === 'not_completed' ? now : start;
  return [start, Math.max(end, start)];
}

/** Ids of the calls whose time overlaps a sibling's: they ran at the same time. */
function parallelIds(nodes, spans) {
  const out = new Set();
  const walk = (siblings) => {
    for (let a = 0; a < siblings.length; a++) {
      for (let b = a + 1; b < siblings.length; b++) {
        const sa = spans.get(siblings[a].call.tool_use_id);
        const sb = spans.get(siblings[b].call.tool_use_id);
        if (sa && sb && sa[0] < sb[1] && sb[0] < sa[1]) {
          out.add(siblings[a].call.tool_use_id);
          out.add(siblings[b].call.tool_use_id);
        }
      }
      walk(siblings[a].children);
    }
  };
  walk(nodes);
  return out;
}

/**
 * The timeline of `session`. `open` is the set of open tool_use_ids, kept by the caller so a
 * live refresh keeps what the reader opened.
 */
export function timeline(session, open) {
  const calls = session.tool_calls || [];
  if (!calls.length) return h('p', { class: 'muted' }, 'No tool calls in this session.');
  const now = Date.now();
  const spans = new Map(calls.map((c) => [c.tool_use_id, span(c, now)]));
  const known = [...spans.values()].filter(Boolean);
  const t0 = Math.min(ms(session.started_at) ?? Infinity, ...known.map((s) => s[0]));
  const t1 = Math.max(
    ms(session.ended_at) ?? (session.status === 'running' ? now : -Infinity),
    ...known.map((s) => s[1]),
  );
  const total = Number.isFinite(t0) && Number.isFinite(t1) ? Math.max(t1 - t0, 1) : null;
  const flagged = findingsByCall(session);
  const roots = tree(calls);
  const parallel = parallelIds(roots, spans);

  const rows = h('div', { class: 'tl-rows', role: 'list' });
  const addRows = (nodes, depth) => {
    for (const node of nodes) {
      rows.append(row(node, depth));
      addRows(node.children, depth + 1);
    }
  };

  const row = (node, depth) => {
    const call = node.call;
    const st = STATUS[call.status] ?? { icon: '?', label: call.status };
    const s = spans.get(call.tool_use_id);
    const denied = call.status === 'denied';
    const bar =
      total && s && denied
        ? h('div', {
            class: 'tl-point st-denied',
            title: `+${duration(s[0] - t0)} · denied, never ran`,
            style: { left: `${((s[0] - t0) / total) * 100}%` },
          })
        : total && s
          ? h('div', {
              class: ['tl-bar', `st-${call.status}`],
              title: `+${duration(s[0] - t0)} → ${duration(s[1] - s[0])}`,
              style: { left: `${((s[0] - t0) / total) * 100}%`, width: `max(3px, ${((s[1] - s[0]) / total) * 100}%)` },
            })
          : null;
    const shownDuration = denied ? '—' : duration(call.duration_ms ?? (s ? s[1] - s[0] : null));
    const body = h('div', { class: 'tl-detail', hidden: !open.has(call.tool_use_id) });
    const fillDetail = () => {
      if (body.childElementCount) return;
      body.append(
        h(
          'div',
          { class: 'tl-meta' },
          meta('tool_use_id', call.tool_use_id, true),
          meta('status', st.label),
          meta('duration', shownDuration),
          call.mcp_server ? meta('MCP server', call.mcp_server) : null,
          meta('started', datetime(call.started_at)),
          meta('ended', datetime(call.ended_at)),
          call.parent_tool_use_id ? meta('parent', call.parent_tool_use_id, true) : null,
          meta('seq', String(call.seq)),
        ),
        detail(call),
      );
    };
    if (!body.hidden) fillDetail();
    const head = h(
      'button',
      {
        type: 'button',
        class: 'tl-head',
        'aria-expanded': String(!body.hidden),
        onclick: () => {
          body.hidden = !body.hidden;
          if (body.hidden) open.delete(call.tool_use_id);
          else {
            open.add(call.tool_use_id);
            fillDetail();
          }
          head.setAttribute('aria-expanded', String(!body.hidden));
        },
      },
      h(
        'span',
        { class: 'tl-name', style: { 'padding-left': `${depth * 22}px` } },
        depth ? h('span', { class: 'tl-branch', 'aria-hidden': 'true' }, '↳') : null,
        h('span', { class: ['tl-status', `st-${call.status}`], title: st.label }, st.icon),
        h('strong', { class: 'tl-tool' }, call.tool_name),
        h('span', { class: 'tl-summary' }, summary(call)),
        callTags(call),
        findingBadges(flagged.get(call.tool_use_id)),
        node.children.length || call.subagent
          ? h('span', { class: 'tag tag-sub' }, subagentLabel(call, node.children.length))
          : null,
        parallel.has(call.tool_use_id)
          ? h('span', { class: 'tag tag-par', title: 'Ran at the same time as another call' }, 'parallel')
          : null,
      ),
      h('span', { class: 'tl-dur' }, shownDuration),
      h('span', { class: 'tl-track' }, bar),
    );
    return h(
      'div',
      {
        class: ['tl-row', call.status === 'error' && 'is-error', depth && 'is-child'],
        role: 'listitem',
        dataset: { toolUseId: call.tool_use_id, status: call.status, tool: call.tool_name, depth: String(depth) },
      },
      head,
      body,
    );
  };
  addRows(roots, 0);
  rows.append(...markerRows(session, t0, total));

  const ticks = total
    ? [0, 0.25, 0.5, 0.75, 1].map((f) =>
        h('span', { class: 'tl-tick', style: { left: `${f * 100}%` } }, duration(total * f)),
      )
    : [];
  return h(
    'div',
    { class: 'timeline' },
    h(
      'div',
      { class: 'tl-axis' },
      h('span', { class: 'tl-name muted small' }, 'Tool · input'),
      h('span', { class: 'tl-dur muted small' }, 'Duration'),
      h('span', { class: 'tl-track tl-ticks' }, ticks),
    ),
    rows,
  );
}

function meta(name, value, mono = false) {
  return h('span', { class: 'meta' }, h('span', { class: 'muted' }, name), ' ', mono ? h('code', {}, value) : value);
}
