// The session's Transcript view and the later protocol fields on the session page and the list,
// in a real browser: playwright-core driving Debian's chromium against the real collector
// (`sentrial serve`). The sessions are posted to /v1/batch as protocol-v1 events, written as the
// protocol's types define them (crates/sentrial-protocol/src/): the real SDK produces these kinds
// once the core emits them. Every text field carries hostile markup, which must stay inert.
// Screenshots go to .artifacts/screenshots/.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { elementShot, launchBrowser, openView, postEvents, screenshot } from './support/browser.mjs';
import { startCollector } from './support/harness.mjs';

/** Markup that would run if it were ever parsed as HTML: `n` tells which field let it through. */
const evil = (n) => `<img src=x onerror="window.__x=${n}"><b onmouseover="window.__x=${n}">bold ${n}</b>`;

let collector;
let chrome;
let page;
let pageErrors = [];

const ingest = (events) => postEvents(collector, events);
const shot = (name) => screenshot(page, name);
const open = (p) => openView(page, collector, p);

const usage = (cost) => ({
  prompt_tokens: 120,
  completion_tokens: 80,
  total_tokens: 200,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  cost_usd: cost,
});

/** Builds the events of session `id`, numbered in order from `t0`. */
function builder(id, t0) {
  let n = 0;
  const ev = (type, data, ts = t0 + 10 * ++n) => ({ id: `${id}-e${n}`, session_id: id, ts, type, data });
  const model = (message_id, position, content, extra = {}) =>
    ev('model_call', {
      message_id,
      model: 'claude-sonnet-4-5',
      stop_reason: 'end_turn',
      input_tokens: 30,
      output_tokens: 45,
      output_tokens_final: true,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      started_at: t0 + 10 * n,
      ended_at: t0 + 10 * n + 8,
      ttft_ms: 240,
      position,
      content,
      ...extra,
    });
  const call = (tool_use_id, tool_name, seq, position, input, output, extra = {}) =>
    ev('tool_call', {
      tool_use_id,
      tool_name,
      seq,
      status: 'success',
      input,
      output,
      duration_ms: 6,
      started_at: t0 + 10 * n,
      ended_at: t0 + 10 * n + 6,
      position,
      ...extra,
    });
  const marker = (position, kind, data, parent) =>
    ev('marker', { position, kind, at: t0 + 10 * n, data, ...(parent ? { parent_tool_use_id: parent } : {}) });
  /** The time of the latest event. */
  const now = () => t0 + 10 * n;
  return { ev, model, call, marker, now };
}

/** A run with every step a transcript shows, hostile text in each of its text fields. */
function transcriptSession(id, t0) {
  const { ev, model, call, marker, now } = builder(id, t0);
  const thinking = [
    'First, look at the files.',
    'Then decide.',
    'Line 3.',
    'Line 4.',
    'Line 5.',
    'Line 6.',
    'Line 7.',
    'Line 8.',
    'Line 9.',
    `Line 10 ${evil(11)}`,
  ].join('\n');
  return [
    ev(
      'session_start',
      {
        agent: 'transcript-agent',
        user_id: 'tess',
        claude_session_id: 'claude-tr',
        model: 'claude-sonnet-4-5',
        input: `Look around, then add 2 and 3 ${evil(1)}`,
        metadata: {},
        started_at: t0,
        resumed_from: 'claude-tr',
        entry_point: 'query',
        mcp_servers: [
          { name: 'calc', status: 'connected' },
          { name: `web ${evil(2)}`, status: 'failed' },
        ],
      },
      t0,
    ),
    model('msg-1', 0, [
      { type: 'thinking', thinking },
      { type: 'text', text: `I will ask a sub-agent. ${evil(3)}` },
      { type: 'tool_use', id: 'task-1', name: 'Task' },
    ]),
    call(
      'task-1',
      'Task',
      0,
      1,
      { subagent_type: 'general-purpose', description: `look around ${evil(4)}`, prompt: `List the files ${evil(5)}` },
      { content: [{ type: 'text', text: `Found 3 files ${evil(6)}` }] },
    ),
    ev('subagent', {
      tool_use_id: 'task-1',
      agent_id: 'agent-1',
      agent_type: 'general-purpose',
      description: `look around ${evil(4)}`,
      status: 'completed',
      background: false,
      total_tokens: 900,
    }),
    model(
      'msg-sub-1',
      2,
      [
        { type: 'text', text: `Listing. ${evil(7)}` },
        { type: 'tool_use', id: 'sub-bash', name: 'Bash' },
      ],
      { parent_tool_use_id: 'task-1' },
    ),
    call(
      'sub-bash',
      'Bash',
      1,
      3,
      { command: `echo '${evil(8)}'`, description: 'List' },
      { stdout: evil(8), stderr: '' },
      { parent_tool_use_id: 'task-1' },
    ),
    marker(
      4,
      'api_retry',
      { attempt: 2, max_retries: 10, retry_delay_ms: 1200, error_status: 529, error: `overloaded ${evil(9)}` },
      'task-1',
    ),
    model('msg-sub-2', 5, [{ type: 'text', text: 'Found 3 files.' }], { parent_tool_use_id: 'task-1' }),
    marker(6, 'compact', { trigger: 'auto', pre_tokens: 150000, post_tokens: 32000 }),
    model('msg-2', 7, [
      { type: 'redacted_thinking' },
      { type: 'omitted', kind: 'text', bytes: 2048 },
      { type: 'tool_use', id: 'mcp-1', name: 'mcp__calc__add' },
      { type: 'tool_use', id: 'denied-1', name: 'Bash' },
    ]),
    call('mcp-1', 'mcp__calc__add', 2, 8, { a: 2, b: 3 }, '5', {
      mcp_server: 'calc',
      updated_input: { a: 2, b: 3, note: evil(10) },
    }),
    // The denied call: its tool_result's error carries the reason; then the result's denial,
    // which names who denied it but no reason.
    ev('tool_call', {
      tool_use_id: 'denied-1',
      tool_name: 'Bash',
      seq: 3,
      status: 'error',
      input: { command: 'rm -rf /' },
      output: null,
      error: `Blocked by policy ${evil(12)}`,
      started_at: now(),
      ended_at: now(),
      position: 9,
    }),
    ev('tool_call', {
      tool_use_id: 'denied-1',
      tool_name: 'Bash',
      seq: 3,
      status: 'denied',
      input: { command: 'rm -rf /' },
      output: null,
      error: null,
      denied_by: 'hook',
      started_at: now() - 10,
      ended_at: now() - 10,
      position: 9,
    }),
    marker(10, 'rate_limit', {
      status: 'allowed_warning',
      rate_limit_type: 'five_hour',
      utilization: 0.91,
      resets_at: 1900000000,
    }),
    marker(11, 'model_fallback', {
      original_model: 'claude-opus-4',
      fallback_model: 'claude-sonnet-4-5',
      category: `cyber ${evil(13)}`,
    }),
    marker(12, 'refusal', { model: 'claude-sonnet-4-5', category: 'harm', explanation: `Declined ${evil(14)}` }),
    marker(13, 'interrupt', { text: `[Request interrupted by user] ${evil(15)}` }),
    marker(14, 'tool_summary', { summary: `Listed and added ${evil(16)}`, tool_use_ids: ['sub-bash', 'mcp-1'] }),
    marker(15, `hologram ${evil(17)}`, { depth: evil(18) }),
    model('msg-3', 16, [{ type: 'text', text: '2 + 3 = 5' }], {
      output_tokens_final: false,
      output_tokens: 1,
      stop_reason: null,
      ttft_ms: undefined,
    }),
    ev('session_result', {
      index: 0,
      subtype: 'success',
      is_error: false,
      output: '2 + 3 = 5',
      duration_ms: 900,
      usage: usage(0.0421),
      terminal_reason: `completed ${evil(19)}`,
      position: 17,
    }),
    ev('session_end', {
      status: 'failed',
      failure_reason: 'The API answered 529',
      end_reason: 'api_error',
      api_error_status: 529,
      output: '2 + 3 = 5',
      ended_at: t0 + 1000,
      duration_ms: 1000,
      usage: usage(0.0421),
      carried: { ...usage(1.5), total_tokens: 98765 },
      results: 1,
      reconciliation: {
        model_calls: 5,
        stream_tokens: [150, 5, 0, 0],
        result_tokens: [120, 80, 0, 0],
        matches: false,
        note: `The stream showed only start counts ${evil(20)}`,
      },
    }),
  ];
}

/** A run of Claude session `claude-tr`: the one the transcript session resumed, or resumed it. */
function run(id, t0, extra = {}) {
  const { ev } = builder(id, t0);
  return [
    ev(
      'session_start',
      {
        agent: 'transcript-agent',
        user_id: 'tess',
        claude_session_id: 'claude-tr',
        input: `run ${id}`,
        metadata: {},
        started_at: t0,
        ...extra,
      },
      t0,
    ),
    ev('session_end', { status: 'completed', ended_at: t0 + 50, duration_ms: 50, usage: usage(0.01), results: 1 }),
  ];
}

/** An older SDK's run: no positions, no content; its transcript reads by time. */
function oldSession(id, t0) {
  const { ev, call } = builder(id, t0);
  return [
    ev('session_start', { agent: 'old-agent', user_id: 'olga', input: 'old prompt', metadata: {}, started_at: t0 }, t0),
    ev('model_call', {
      message_id: 'old-m1',
      model: 'claude-sonnet-4-5',
      input_tokens: 3,
      output_tokens: 1,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      started_at: t0 + 5,
      ended_at: t0 + 9,
    }),
    call('old-t1', 'Bash', 0, undefined, { command: 'ls' }, { stdout: 'a', stderr: '' }),
    ev('session_result', {
      index: 0,
      subtype: 'success',
      is_error: false,
      output: 'The old answer',
      duration_ms: 40,
      usage: usage(0.003),
    }),
    ev('session_end', {
      status: 'completed',
      output: 'The old answer',
      ended_at: t0 + 60,
      duration_ms: 60,
      usage: usage(0.003),
      results: 1,
    }),
  ];
}

const T0 = Date.now() - 3_600_000;

before(async () => {
  collector = await startCollector();
  await ingest(run('tr-prev', T0 - 60_000));
  await ingest(transcriptSession('tr-session', T0));
  await ingest(run('tr-next', T0 + 60_000, { resumed_from: 'claude-tr' }));
  await ingest(oldSession('tr-old', T0 - 120_000));
  chrome = await launchBrowser();
  ({ page, pageErrors } = chrome);
  await page.goto(collector.dashboardUrl);
  await page.waitForSelector('table.sessions');
});

after(async () => {
  await chrome?.close();
  await collector?.stop();
});

/** The transcript item of a tool call. */
const callItem = (id) => page.locator(`.tr-call[data-tool-use-id="${id}"]`);

describe('the transcript view', () => {
  it('is reachable from the session page and by its URL', async () => {
    await open('/sessions/tr-session');
    await page.click('.tabs a[data-tab="transcript"]');
    await page.waitForURL('**/sessions/tr-session/transcript');
    await page.waitForSelector('ol.transcript');
    assert.equal(await page.getAttribute('.tabs a[data-tab="transcript"]', 'aria-current'), 'page');
    const kinds = await page.$$eval('ol.transcript:not(.nested) > li', (els) =>
      els.map((e) => e.dataset.kind + (e.dataset.marker ? `:${e.dataset.marker}` : '')),
    );
    assert.deepEqual(kinds.slice(0, 7), [
      'user',
      'model_call',
      'tool_call',
      'marker:compact',
      'model_call',
      'tool_call',
      'tool_call',
    ]);
    assert.equal(kinds.at(-1), 'result');
    await shot('transcript');
  });

  it('shows thinking apart from text, collapsed when long, and marks redacted thinking', async () => {
    await open('/sessions/tr-session/transcript');
    const thinking = page.locator('.tr-model[data-message-id="msg-1"] [data-block="thinking"]');
    assert.match(await thinking.textContent(), /First, look at the files\./);
    assert.match(await thinking.locator('.collapse-note').textContent(), /Showing 4 of 10 lines/);
    assert.equal(await thinking.locator('pre.thinking').count(), 1, 'drawn as thinking, not as text');
    await thinking.locator('.collapse-bar button').click();
    assert.match(await thinking.locator('pre').textContent(), /Line 10/);
    const redacted = page.locator('.tr-model[data-message-id="msg-2"] [data-block="redacted_thinking"]');
    assert.match(await redacted.textContent(), /redacted thinking/);
    assert.match(
      await page.textContent('.tr-model[data-message-id="msg-2"] [data-block="omitted"]'),
      /2\.0 KB left out/,
    );
    assert.match(await page.textContent('.tr-model[data-message-id="msg-2"]'), /Calls mcp__calc__add, Bash/);
    // Without partial messages the output count is unknown, and says why on hover.
    const unknown = page.locator('.tr-model[data-message-id="msg-3"] [data-output-unknown]');
    assert.equal(await unknown.textContent(), '—');
    assert.match(await unknown.getAttribute('title'), /includePartialMessages/);
  });

  it('nests a sub-agent under its Task call, indented, with its retry marker inside', async () => {
    await open('/sessions/tr-session/transcript');
    const section = page.locator('.tr-subagent[data-subagent="task-1"]');
    const head = await section.locator('.tr-subagent-head').textContent();
    assert.match(head, /general-purpose/);
    assert.match(head, /completed/);
    const inside = await section
      .locator(':scope > ol > li')
      .evaluateAll((els) => els.map((e) => e.dataset.messageId || e.dataset.toolUseId || e.dataset.marker));
    assert.deepEqual(inside, ['msg-sub-1', 'sub-bash', 'api_retry', 'msg-sub-2']);
    const nested = await callItem('sub-bash').boundingBox();
    const top = await callItem('mcp-1').boundingBox();
    assert.ok(nested.x > top.x + 10, `indented: ${nested.x} vs ${top.x}`);
    assert.equal((await callItem('sub-bash').locator('.block-terminal').count()) >= 2, true, 'Bash as a terminal');
    const retry = await section.locator('.tr-marker[data-marker="api_retry"]').textContent();
    assert.match(retry, /API retry · attempt 2 of 10 · status 529 · waiting 1\.20 s/);
    const compact = await page.textContent('.tr-marker[data-marker="compact"]');
    assert.match(compact, /Context compacted \(auto\) · 150,000 → 32,000 tokens/);
    for (const [kind, text] of [
      ['rate_limit', /Rate limit · allowed_warning · five_hour · 91% used · resets/],
      ['model_fallback', /Model fallback · claude-opus-4 → claude-sonnet-4-5/],
      ['refusal', /The model refused · claude-sonnet-4-5 · harm/],
      ['interrupt', /Interrupted by the user/],
      ['tool_summary', /Tool summary · Listed and added/],
    ]) {
      assert.match(await page.textContent(`.tr-marker[data-marker="${kind}"]`), text, kind);
    }
    await elementShot(section, 'transcript-subagent');
  });

  it('shows a denied call with its reason and who denied it, and an MCP call with its server', async () => {
    await open('/sessions/tr-session/transcript');
    const denied = callItem('denied-1');
    assert.equal(await denied.getAttribute('data-status'), 'denied');
    assert.equal(await denied.locator('[data-denied-by="hook"]').textContent(), 'denied by hook');
    const denial = await denied.locator('[data-denial]').textContent();
    assert.match(denial, /Denied by hook/);
    assert.ok(denial.includes(`Blocked by policy ${evil(12)}`), denial);
    const mcp = callItem('mcp-1');
    assert.equal(await mcp.locator('[data-mcp-server="calc"]').textContent(), 'MCP calc');
    const changed = await mcp.locator('[data-changed-input]').textContent();
    assert.match(changed, /model asked/);
    assert.match(changed, /ran with/);
    assert.match(await page.textContent('.tr-result'), /Turn 1 ended · success/);
    assert.match(await page.textContent('.tr-result'), /\$0\.042/);
  });

  it('keeps hostile text inert in every field', async () => {
    await open('/sessions/tr-session/transcript');
    for (const b of await page.locator('ol.transcript .collapse-bar button').all()) await b.click();
    await page.hover('ol.transcript');
    for (const el of await page.locator('ol.transcript li').all())
      await el.hover({ force: true, trial: false }).catch(() => {});
    assert.equal(await page.evaluate(() => window.__x), undefined, 'no injected handler ran');
    assert.equal(
      await page.locator('main img, main script, main iframe, main b, main svg').count(),
      0,
      'no injected element',
    );
    const text = await page.textContent('main');
    for (const n of [1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19])
      assert.ok(text.includes(evil(n)), `field ${n} shows as text`);
    // Inside a JSON value (the input a hook changed), as JSON spells it.
    assert.ok(text.includes(JSON.stringify(evil(10)).slice(1, -1)), 'field 10 shows as JSON text');
    await shot('transcript-hostile');
  });

  it('reads an older SDK run by time, its answer from the result', async () => {
    await open('/sessions/tr-old/transcript');
    const kinds = await page.$$eval('ol.transcript > li', (els) => els.map((e) => e.dataset.kind));
    assert.deepEqual(kinds, ['user', 'model_call', 'tool_call', 'result']);
    assert.match(await page.textContent('.tr-model'), /was not kept/);
    assert.match(await page.textContent('.tr-result'), /The old answer/);
  });
});

describe('the later fields on the session page and the list', () => {
  it('shows how the run ended, its lineage, MCP servers, carried figures and the reconciliation badge', async () => {
    await open('/sessions/tr-session');
    assert.equal(await page.textContent('.page-head [data-end-reason="api_error"]'), 'api_error 529');
    const lineage = page.locator('[data-card="lineage"]');
    assert.match(await lineage.textContent(), /Resumed from tr-prev/);
    assert.match(await lineage.textContent(), /Continued by tr-next/);
    await lineage.locator('a[data-run="tr-next"]').click();
    await page.waitForURL('**/sessions/tr-next');
    await page.waitForSelector('[data-card="lineage"]');
    assert.match(await page.textContent('[data-card="lineage"]'), /Resumed from tr-session/);

    await open('/sessions/tr-session');
    const servers = await page.$$eval('[data-mcp]', (els) => els.map((e) => e.textContent));
    assert.deepEqual(servers, ['calc · connected', `web ${evil(2)} · failed`]);
    assert.match(
      await page.textContent('[data-carried]'),
      /98,765 tokens and \$1\.50 from earlier runs of the resumed session; they are not counted here/,
    );
    const badge = page.locator('[data-reconciliation="differs"]');
    assert.equal(await badge.textContent(), 'stream ≠ result totals');
    assert.ok((await badge.getAttribute('title')).includes('The stream showed only start counts'));
    const unknown = page.locator('[data-card="model-calls"] tr[data-message-id="msg-3"] [data-output-unknown]');
    assert.equal(await unknown.textContent(), '—');
    assert.match(await page.textContent('[data-card="model-calls"] tr[data-message-id="msg-1"]'), /end_turn.*240 ms/);
  });

  it('draws a denied call as a point, not a bar, with its reason, and an MCP call with its server', async () => {
    await open('/sessions/tr-session');
    const row = page.locator('.tl-row[data-tool-use-id="denied-1"]');
    assert.equal(await row.locator('.tl-bar').count(), 0, 'no duration bar');
    assert.equal(await row.locator('.tl-point').count(), 1, 'a point instead');
    assert.equal(await row.locator('.tl-dur').textContent(), '—');
    assert.equal(await page.locator('.tl-row[data-tool-use-id="mcp-1"] .tl-bar').count(), 1);
    await row.locator('.tl-head').click();
    assert.ok((await row.locator('[data-denial]').textContent()).includes('Blocked by policy'));
    const mcp = page.locator('.tl-row[data-tool-use-id="mcp-1"]');
    assert.equal(await mcp.locator('.tl-head [data-mcp-server="calc"]').textContent(), 'MCP calc');
    await mcp.locator('.tl-head').click();
    assert.match(await mcp.locator('[data-changed-input]').textContent(), /model asked[\s\S]*ran with/);
    await page.hover('[data-card="timeline"]');
    assert.equal(await page.evaluate(() => window.__x), undefined);
    assert.equal(await page.locator('main img, main script, main b').count(), 0);
    await shot('session-later-fields');
  });

  it('filters the list by end reason and labels failed runs with theirs', async () => {
    await open('/');
    const options = await page.$$eval('select[name="end_reason"] option', (els) => els.map((e) => e.value));
    for (const reason of ['error_max_turns', 'api_error', 'aborted', 'no_result'])
      assert.ok(options.includes(reason), reason);
    assert.equal(await page.textContent('tr[data-session-id="tr-session"] [data-end-reason]'), 'api_error 529');
    await page.selectOption('select[name="end_reason"]', 'api_error');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/end_reason=api_error/);
    await page.waitForSelector('body[data-ready="true"]');
    const ids = await page.$$eval('table.sessions tbody tr', (rows) => rows.map((r) => r.dataset.sessionId));
    assert.deepEqual(ids, ['tr-session']);
    await shot('sessions-end-reason');
  });

  it('ran without script errors or CSP violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});
