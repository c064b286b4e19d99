// A manual session (SentrialClient.createSession) and its child sessions in a real browser
// (Debian's chromium through playwright-core) against a real collector: the session's name,
// custom metrics cards, decision and error (in the timeline's card and in the transcript), its
// reported LLM calls, a tool call's reasoning, the parent link and the tree of children; the
// sessions list filtered by name, parent and metric; the overview's metric averages per agent.
// The batches are posted as protocol 4 with fetch (the SDK's own e2e tests drive the real SDK).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openView, screenshot, signedInBrowser } from './support/browser.mjs';
import { startCollector } from './support/harness.mjs';

let collector;
let chrome;
let page;
let pageErrors;

const t0 = Date.now() - 3_600_000;

/** An event of session `sid`, the `n`th of it. */
const ev = (sid, n, type, data) => ({ id: `${sid}-e${n}`, session_id: sid, ts: t0 + n * 10, type, data });

function start(sid, n, name, agent, parent) {
  return ev(sid, n, 'session_start', {
    agent,
    user_id: 'dana',
    input: `do ${name}`,
    started_at: t0 + n * 10,
    entry_point: 'manual',
    name,
    parent_session_id: parent,
  });
}

function end(sid, n, cost, metrics) {
  const usage = {
    prompt_tokens: 30,
    completion_tokens: 12,
    total_tokens: 42,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    cost_usd: cost,
  };
  return ev(sid, n, 'session_end', {
    status: 'completed',
    ended_at: t0 + n * 10,
    duration_ms: n * 10,
    usage,
    results: 0,
    metrics,
  });
}

const events = [
  start('m1', 0, 'refund-triage', 'orchestrator'),
  ev('m1', 1, 'llm_call', {
    call_id: 'llm-1',
    position: 1,
    model: 'gpt-4o',
    input_tokens: 20,
    output_tokens: 8,
    cost_usd: 0.0125,
    cost_estimated: false,
    input: 'Is order 42 refundable?',
    output: 'Check the order first.',
    started_at: t0,
    ended_at: t0 + 10,
  }),
  ev('m1', 2, 'tool_call', {
    tool_use_id: 'tool-1',
    tool_name: 'lookup_order',
    seq: 1,
    status: 'success',
    input: { order: 42 },
    output: { status: 'shipped' },
    duration_ms: 30,
    started_at: t0 + 10,
    ended_at: t0 + 40,
    position: 2,
    reasoning: 'The user named order 42',
  }),
  ev('m1', 3, 'decision', {
    position: 3,
    at: t0 + 45,
    reasoning: 'Shipped orders are refunded, not cancelled',
    alternatives: ['cancel', 'refund'],
    chosen: 'refund',
  }),
  ev('m1', 4, 'error', {
    position: 4,
    at: t0 + 50,
    message: 'payment gateway timed out',
    error_type: 'TimeoutError',
    context: { gateway: 'stripe' },
  }),
  end('m1', 9, 0.0125, { satisfaction: 4.5, steps: 3 }),
  start('c1', 5, 'refund-worker', 'worker', 'm1'),
  end('c1', 8, 0.002, { satisfaction: 3 }),
  start('g1', 6, 'ledger-write', 'worker', 'c1'),
];

before(async () => {
  collector = await startCollector();
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${collector.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ protocol: 4, events }),
  });
  assert.equal(res.status, 200, await res.text());
  chrome = await signedInBrowser(collector);
  ({ page, pageErrors } = chrome);
});

after(async () => {
  await chrome?.close();
  await collector?.stop();
});

const open = (p) => openView(page, collector, p);
const listed = () => page.$$eval('table.sessions tbody tr', (trs) => trs.map((r) => r.dataset.sessionId).sort());

describe('a manual session with a child in the dashboard', () => {
  it('shows the name, metrics, decision, error, LLM calls, reasoning and children', async () => {
    await open('/sessions/m1');
    assert.equal(await page.textContent('.page-head h1'), 'refund-triage');
    assert.match(await page.textContent('[data-metric="satisfaction"]'), /4\.5/);
    assert.match(await page.textContent('[data-metric="steps"]'), /3/);
    const decisions = page.locator('[data-card="decisions"]');
    assert.match(await decisions.locator('[data-marker="decision"]').textContent(), /refunded, not cancelled/);
    assert.equal(await decisions.locator('mark.chosen').textContent(), '✓ refund');
    assert.match(await decisions.locator('[data-marker="error"]').textContent(), /TimeoutError.*timed out.*gateway/);
    const llm = await page.textContent('[data-card="llm-calls"]');
    assert.match(llm, /Is order 42 refundable\?/);
    assert.match(llm, /Check the order first\./);
    assert.match(llm, /\$0\.01/);
    const children = await page.$$eval('[data-card="family"] li', (lis) => lis.map((l) => l.dataset.child));
    assert.deepEqual(children, ['c1', 'g1']);
    assert.equal(await page.locator('[data-child="c1"] [data-child="g1"]').count(), 1, 'g1 nests under c1');
    const onTimeline = await page.$$eval('[data-card="timeline"] [data-timeline-marker]', (rows) =>
      rows.map((r) => `${r.dataset.timelineMarker}: ${r.textContent}`),
    );
    assert.deepEqual(onTimeline, ['decision: ◆ Decisionrefund', 'error: ✕ Errorpayment gateway timed out']);
    await page.locator('[data-tool-use-id="tool-1"] .tl-head').click();
    assert.match(await page.textContent('[data-tool-use-id="tool-1"] [data-reasoning]'), /named order 42/);
    await screenshot(page, 'manual-session');
  });

  it('links the child to its parent', async () => {
    await open('/sessions/c1');
    assert.equal(await page.textContent('.page-head h1'), 'refund-worker');
    await page.click('[data-card="family"] .parent-link a[data-session="m1"]');
    await page.waitForURL(/\/sessions\/m1$/);
    await page.waitForSelector('[data-card="family"]');
  });

  it('puts the decision and the error in the transcript at their places', async () => {
    await open('/sessions/m1/transcript');
    const kinds = await page.$$eval('li.tr-item', (lis) => lis.map((l) => l.dataset.marker ?? l.dataset.kind));
    const at = (k) => kinds.indexOf(k);
    assert.ok(at('decision') > at('tool_call') && at('error') > at('decision'), kinds.join(' '));
    assert.match(await page.textContent('li[data-marker="decision"]'), /✓ refund/);
    await screenshot(page, 'manual-transcript');
  });

  it('filters the list by name, parent and metric', async () => {
    await open('/?name=refund-worker');
    assert.deepEqual(await listed(), ['c1']);
    await open('/?parent=c1');
    assert.deepEqual(await listed(), ['g1']);
    await open('/');
    await page.fill('input[name="metric"]', 'satisfaction');
    await page.fill('input[name="metric_min"]', '4');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/metric_min=4/);
    await page.waitForSelector('table.sessions');
    assert.deepEqual(await listed(), ['m1']);
    await screenshot(page, 'manual-sessions');
    await open('/?metric=satisfaction&metric_max=3.5');
    assert.deepEqual(await listed(), ['c1']);
  });

  it('shows metric averages per agent on the overview', async () => {
    await open('/overview');
    const rows = await page.$$eval('[data-card="metric-averages"] tbody tr', (trs) =>
      trs.map((r) => `${r.dataset.metric}/${r.dataset.agent}: ${r.children[2].textContent}`),
    );
    assert.deepEqual(rows, ['satisfaction/orchestrator: 4.5', 'satisfaction/worker: 3', 'steps/orchestrator: 3']);
    await screenshot(page, 'manual-overview');
  });

  it('ran without script errors or CSP violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});
