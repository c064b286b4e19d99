// The dashboard in a real browser: playwright-core driving Debian's chromium against the real
// collector (`sentrial serve`), seeded with sessions the real Claude Agent SDK recorded through
// wrapClaudeAgent (model answered by the scripted server), plus sessions posted to /v1/batch
// whose text is hostile HTML. Screenshots go to .artifacts/screenshots/.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { launchBrowser, openView, postEvents, screenshot } from './support/browser.mjs';
import { drain, sdkOptions, startCollector, startScriptedModel } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require('../index.js');

const PAYLOAD = '<img src=x onerror="window.__x=1">';

let collector;
let model;
let client;
let chrome;
let browser;
let page;
const sessions = {}; // scenario -> stored session (from the read API)
let pageErrors = [];

/** Runs one scenario through the real SDK and the wrapper; returns the stored session. */
async function record(scenario, prompt, tools, wrap) {
  const tracked = wrapClaudeAgent(query, { client, extraMetadata: { suite: 'dashboard' }, ...wrap });
  const run = await drain(
    tracked({ prompt: `[scenario:${scenario}] ${prompt}`, options: sdkOptions(model.url, { tools, maxTurns: 6 }) }),
  );
  assert.equal(run.error, null, `${scenario}: ${run.error?.stack}`);
  const flushed = await client.flush({ timeoutMs: 5000 });
  assert.equal(flushed.timedOut, false);
  const init = run.messages.find((m) => m.type === 'system' && m.subtype === 'init');
  const list = await collector.get('/api/sessions?limit=100');
  const hit = list.sessions.find((s) => s.claude_session_id === init.session_id);
  assert.ok(hit, `${scenario}: session not stored`);
  return collector.get(`/api/sessions/${hit.id}`);
}

const ingest = (events) => postEvents(collector, events);

const usage = {
  prompt_tokens: 10,
  completion_tokens: 20,
  total_tokens: 30,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  cost_usd: 0.001,
};

/** A failed session whose every text field is hostile markup, with a 400-line Bash output. */
function hostileSession(id, t0) {
  const ev = (n, type, data, ts = t0 + n) => ({ id: `${id}-e${n}`, session_id: id, ts, type, data });
  const call = (n, tool_name, status, input, output, extra = {}) =>
    ev(n, 'tool_call', {
      tool_use_id: `toolu_${id}_${n}`,
      tool_name,
      seq: n - 1,
      status,
      input,
      output,
      duration_ms: 40,
      started_at: t0 + n * 50,
      ended_at: t0 + n * 50 + 40,
      ...extra,
    });
  return [
    ev(0, 'session_start', {
      agent: 'xss-agent',
      user_id: 'mallory" onmouseover="window.__x=7',
      convo_id: 'convo"><img src=x onerror="window.__x=4">',
      input: `Summarize this page: ${PAYLOAD}`,
      metadata: { note: '<script>window.__x=5</script>' },
      started_at: t0,
    }),
    call(
      1,
      'Bash',
      'success',
      { command: `echo '${PAYLOAD}'`, description: 'Echo markup' },
      { stdout: PAYLOAD, stderr: '', interrupted: false },
    ),
    call(
      2,
      'Write',
      'success',
      { file_path: '/tmp/"><svg onload=window.__x=8>.html', content: '<script>window.__x=2</script>\n<p>hi</p>\n' },
      { type: 'create' },
    ),
    call(3, 'Read', 'error', { file_path: '/etc/shadow' }, null, {
      error: '<b onmouseover="window.__x=9">permission denied</b>',
    }),
    call(
      4,
      'Bash',
      'success',
      { command: 'seq 1 400', description: 'Many lines' },
      { stdout: Array.from({ length: 400 }, (_, i) => `line ${i + 1}`).join('\n'), stderr: '' },
    ),
    ev(5, 'session_end', {
      status: 'failed',
      failure_reason: '<svg onload="window.__x=6">',
      output: 'Done <script>window.__x=2</script>',
      ended_at: t0 + 400,
      duration_ms: 400,
      usage,
      results: 1,
    }),
  ];
}

const shot = (name) => screenshot(page, name);
const open = (p) => openView(page, collector, p);

async function openSession(session) {
  await open(`/sessions/${encodeURIComponent(session.id)}`);
  await page.waitForSelector('[data-card="timeline"]');
}

/** The timeline row of a call, opened. */
async function openCall(toolUseId) {
  const row = page.locator(`.tl-row[data-tool-use-id="${toolUseId}"]`);
  await row.locator('.tl-head').first().click();
  await row.locator('.tl-detail').first().waitFor();
  return row;
}

before(async () => {
  [collector, model] = await Promise.all([startCollector(), startScriptedModel()]);
  client = new SentrialClient({ apiKey: collector.apiKey, apiUrl: collector.url, flushIntervalMs: 100 });
  sessions.success = await record('tool-success', 'Print a greeting', ['Bash'], {
    defaultAgent: 'dash-builder',
    userId: 'alice',
    convoId: 'convo-dash-1',
  });
  sessions.failure = await record('tool-failure', 'List a missing directory', ['Bash'], {
    defaultAgent: 'dash-fixer',
    userId: 'bob',
    convoId: 'convo-dash-1',
  });
  sessions.parallel = await record('parallel-tools', 'Run three tools', ['Bash', 'Read', 'Glob'], {
    defaultAgent: 'dash-builder',
    userId: 'alice',
  });
  sessions.subagent = await record('subagent', 'Delegate the echo', ['Bash', 'Task', 'Agent'], {
    defaultAgent: 'dash-delegator',
    userId: 'carol',
  });
  await ingest(hostileSession('xss-session', Date.now() - 60_000));
  sessions.xss = await collector.get('/api/sessions/xss-session');

  chrome = await launchBrowser();
  ({ browser, page, pageErrors } = chrome);
});

after(async () => {
  await chrome?.close();
  await client?.shutdown({ timeoutMs: 2000 });
  await model?.close();
  await collector?.stop();
});

describe('the dashboard in a browser', () => {
  it('asks to sign in, takes an API key or the printed link, and sets the security headers', async () => {
    const res = await fetch(collector.url + '/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy'), /default-src 'self'; script-src 'self'; style-src 'self'/);
    assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal((await fetch(collector.url + '/api/sessions')).status, 401, 'no credentials, no data');

    await page.goto(collector.url + '/');
    await page.waitForURL(/\/login$/);
    await page.waitForSelector('form.login-form');
    await shot('login');
    await page.fill('input[name="key"]', 'not-a-key');
    await page.click('form.login-form button[type="submit"]');
    await page.waitForSelector('.login .alert');
    assert.match(await page.textContent('.login .alert'), /not known/);
    await page.fill('input[name="key"]', collector.apiKey);
    await page.click('form.login-form button[type="submit"]');
    await page.waitForURL(collector.url + '/');
    await page.waitForSelector('table.sessions');
    const port = new URL(collector.url).port;
    const cookie = (await browser.cookies()).find((c) => c.name === `sentrial_session_${port}`);
    assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));

    await browser.clearCookies();
    assert.ok(collector.dashboardUrl.startsWith(collector.url + '/login?token='), collector.dashboardUrl);
    await page.goto(collector.dashboardUrl);
    await page.waitForURL(collector.url + '/');
    await page.waitForSelector('table.sessions');
    await page.goto(collector.url + '/login?token=forged.token');
    await page.waitForSelector('.login .alert');
    // The printed link works once: the browser is still signed in by it, but the link is spent.
    await browser.clearCookies();
    await page.goto(collector.dashboardUrl);
    await page.waitForSelector('.login .alert');
    assert.match(await page.textContent('.login .alert'), /used, expired or not valid/);
    await page.fill('input[name="key"]', collector.apiKey);
    await page.click('form.login-form button[type="submit"]');
    await page.waitForSelector('table.sessions');
  });

  it('lists sessions and filters them by status, agent and text', async () => {
    await open('/');
    const ids = await page.$$eval('table.sessions tbody tr', (rows) => rows.map((r) => r.dataset.sessionId));
    for (const s of Object.values(sessions)) assert.ok(ids.includes(s.id), `${s.id} listed`);
    await shot('sessions');

    await page.selectOption('select[name="status"]', 'failed');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/status=failed/);
    await page.waitForSelector('body[data-ready="true"]');
    const failed = await page.$$eval('table.sessions tbody tr', (rows) =>
      rows.map((r) => [r.dataset.sessionId, r.dataset.status]),
    );
    assert.deepEqual(failed, [[sessions.xss.id, 'failed']]);

    await open('/');
    await page.fill('input[name="agent"]', 'dash-builder');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/agent=dash-builder/);
    await page.waitForSelector('body[data-ready="true"]');
    const builder = await page.$$eval('table.sessions tbody tr', (rows) => rows.map((r) => r.dataset.sessionId).sort());
    assert.deepEqual(builder, [sessions.success.id, sessions.parallel.id].sort());
    await shot('sessions-filtered');

    await open('/?q=HELLO-FROM-BASH');
    const found = await page.$$eval('table.sessions tbody tr', (rows) => rows.map((r) => r.dataset.sessionId));
    assert.deepEqual(found, [sessions.success.id], 'text search is case-insensitive over the output');
  });

  it('downloads the filtered list as CSV and JSONL, and a session as JSON and Markdown, or copies it', async () => {
    await open('/?agent=dash-builder');
    const csvHref = await page.getAttribute('a[data-export="csv"]', 'href');
    assert.match(csvHref, /^\/api\/export\/sessions\?/);
    assert.equal(new URL(csvHref, collector.url).searchParams.get('agent'), 'dash-builder');
    // What the link downloads, with the page's sign-in (the dashboard's cookie).
    const fetched = (href) =>
      page.evaluate(async (h) => {
        const res = await fetch(h, { credentials: 'same-origin' });
        return { status: res.status, disposition: res.headers.get('content-disposition'), text: await res.text() };
      }, href);
    const csv = await fetched(csvHref);
    assert.equal(csv.status, 200, csv.text);
    assert.match(csv.disposition, /^attachment; filename="sentrial-sessions-.*\.csv"$/);
    const [header, ...rows] = csv.text.trim().split('\n');
    assert.match(header, /^id,started_at,ended_at,agent,/);
    assert.deepEqual(rows.map((r) => r.split(',')[0]).sort(), [sessions.success.id, sessions.parallel.id].sort());
    const jsonl = await fetched(await page.getAttribute('a[data-export="jsonl"]', 'href'));
    const lines = jsonl.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.id).sort(), [sessions.success.id, sessions.parallel.id].sort());

    await open(`/sessions/${sessions.success.id}`);
    const md = await fetched(await page.getAttribute('a[data-export="md"]', 'href'));
    assert.equal(md.status, 200);
    assert.ok(md.text.startsWith(`# Session ${sessions.success.id}\n`), md.text.slice(0, 200));
    assert.match(md.text, /\*\*Tool call\*\* `Bash`/);
    const json = await fetched(await page.getAttribute('a[data-export="json"]', 'href'));
    assert.equal(JSON.parse(json.text).id, sessions.success.id);
    await chrome.browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: collector.url });
    await page.click('button[data-export="copy"]');
    await page.waitForSelector('.head-actions [role="status"]:text("Copied.")');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), md.text);
  });

  it('opens a session from the list and shows a tool call with its input, output and id', async () => {
    await open('/?agent=dash-builder&convo_id=convo-dash-1');
    await page.click(`tr[data-session-id="${sessions.success.id}"] td:nth-child(6)`);
    await page.waitForURL(`**/sessions/${sessions.success.id}`);
    await page.waitForSelector('[data-card="timeline"]');
    const call = sessions.success.tool_calls[0];
    const row = await openCall(call.tool_use_id);
    const text = await row.textContent();
    assert.match(text, /\$ echo hello-from-bash/);
    assert.match(text, /hello-from-bash/);
    assert.ok(text.includes(call.tool_use_id), 'tool_use_id shown');
    assert.equal((await row.locator('.block-terminal').count()) >= 2, true, 'command and output as terminal blocks');
    assert.match(await page.textContent('[data-card="input"]'), /Print a greeting/);
    assert.match(await page.textContent('[data-card="output"]'), /Done: tool-success/);
    assert.match(await page.textContent('[data-card="usage"]'), /Cache read/);
    await shot('session-success');
  });

  it('marks a failed tool call', async () => {
    await openSession(sessions.failure);
    const call = sessions.failure.tool_calls[0];
    assert.equal(call.status, 'error');
    const row = page.locator(`.tl-row[data-tool-use-id="${call.tool_use_id}"]`);
    assert.match(await row.getAttribute('class'), /is-error/);
    assert.equal(await row.locator('.tag-error').textContent(), 'failed');
    await openCall(call.tool_use_id);
    assert.match(await row.locator('.tl-detail').textContent(), /Exit code|No such file|cannot access/);
    await shot('session-failed-call');
  });

  it('nests sub-agent calls under the Task call that started them', async () => {
    await openSession(sessions.subagent);
    const calls = sessions.subagent.tool_calls;
    const task = calls.find((c) => c.tool_name === 'Task' || c.tool_name === 'Agent');
    const child = calls.find((c) => c.parent_tool_use_id === task.tool_use_id);
    assert.ok(child, 'the SDK recorded a sub-agent call');
    const rows = await page.$$eval('.tl-row', (els) => els.map((e) => [e.dataset.toolUseId, e.dataset.depth]));
    const ti = rows.findIndex(([id]) => id === task.tool_use_id);
    const ci = rows.findIndex(([id]) => id === child.tool_use_id);
    assert.equal(rows[ti][1], '0');
    assert.equal(rows[ci][1], '1', 'the sub-agent call is one level down');
    assert.ok(ci > ti, 'and listed under its Task call');
    assert.match(
      await page.locator(`.tl-row[data-tool-use-id="${task.tool_use_id}"] .tag-sub`).textContent(),
      /sub-agent · 1 call/,
    );
    await openCall(task.tool_use_id);
    await shot('session-subagent');
  });

  it('lists the model calls, sub-agent calls marked, and says how they reconcile', async () => {
    await openSession(sessions.subagent);
    const stored = sessions.subagent.model_calls;
    assert.ok(stored.length >= 3, 'main agent and sub-agent calls');
    const cells = await page.$$eval('[data-card="model-calls"] tbody tr td:first-child', (tds) =>
      tds.map((td) => td.textContent),
    );
    assert.deepEqual(
      cells,
      stored.map((c) => (c.parent_tool_use_id ? `↳ ${c.message_id}` : c.message_id)),
    );
    const note = sessions.subagent.usage_reconciliation;
    const shown = await page.locator('[data-reconciliation="differs"]').count();
    assert.equal(shown, note.matches ? 0 : 1);
  });

  it('draws calls that ran at the same time side by side on the time axis', async () => {
    await openSession(sessions.parallel);
    const bars = await page.$$eval('.tl-row .tl-bar', (els) =>
      els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right, r.top]),
    );
    assert.equal(bars.length, 3);
    const tops = new Set(bars.map((b) => Math.round(b[2])));
    assert.equal(tops.size, 3, 'one row each');
    const overlaps = bars.some((a, i) => bars.some((b, j) => i !== j && a[0] < b[1] && b[0] < a[1]));
    assert.ok(overlaps, 'bars of concurrent calls overlap on the time axis');
    await openCall(sessions.parallel.tool_calls.find((c) => c.tool_name === 'Read').tool_use_id);
    await openCall(sessions.parallel.tool_calls.find((c) => c.tool_name === 'Glob').tool_use_id);
    const text = await page.textContent('[data-card="timeline"]');
    assert.match(text, /notes\.txt/);
    assert.match(text, /remember the milk/);
    await shot('session-parallel');
  });

  it('renders hostile tool output as inert text', async () => {
    await openSession(sessions.xss);
    const [echo, write, read, big] = sessions.xss.tool_calls;
    await openCall(echo.tool_use_id);
    await openCall(write.tool_use_id);
    await openCall(read.tool_use_id);
    await page.hover(`.tl-row[data-tool-use-id="${read.tool_use_id}"] .tl-detail`);
    assert.equal(await page.evaluate(() => window.__x), undefined, 'no injected handler ran');
    assert.equal(
      await page.locator('main img, main svg image, main script, main b, main p > svg').count(),
      0,
      'no injected element',
    );
    const timelineText = await page.textContent('[data-card="timeline"]');
    assert.ok(timelineText.includes(PAYLOAD), 'the payload shows as text');
    assert.ok(timelineText.includes('<script>window.__x=2</script>'));
    assert.ok(timelineText.includes('<b onmouseover="window.__x=9">permission denied</b>'));
    assert.ok((await page.textContent('[data-card="input"]')).includes(PAYLOAD));
    assert.ok((await page.textContent('.alert')).includes('<svg onload="window.__x=6">'));
    assert.match(
      await page.locator(`.tl-row[data-tool-use-id="${read.tool_use_id}"]`).getAttribute('class'),
      /is-error/,
    );

    // A large output is collapsed, says what it hides, and opens whole.
    const row = await openCall(big.tool_use_id);
    assert.match(await row.locator('.collapse-note').last().textContent(), /Showing 16 of 400 lines/);
    await shot('session-hostile');
    await row.locator('.collapse-bar button').last().click();
    assert.match(await row.locator('.block-terminal').last().textContent(), /line 400$/);
    assert.match(await row.locator('.collapse-note').last().textContent(), /All 400 lines/);

    await open('/?agent=xss-agent');
    assert.ok((await page.textContent('table.sessions')).includes(PAYLOAD));
    await page.hover('table.sessions tbody td:nth-child(4)');
    assert.equal(await page.evaluate(() => window.__x), undefined);
    await open(`/conversations/${encodeURIComponent(sessions.xss.convo_id)}`);
    assert.ok((await page.textContent('h1')).includes(sessions.xss.convo_id));
    assert.equal(await page.evaluate(() => window.__x), undefined);
  });

  it('shows a conversation as its sessions in order with their total cost', async () => {
    await open('/conversations/convo-dash-1');
    const ids = await page.$$eval('.convo-item', (els) => els.map((e) => e.dataset.sessionId));
    assert.deepEqual(ids, [sessions.success.id, sessions.failure.id]);
    const total = sessions.success.cost_usd + sessions.failure.cost_usd;
    const api = await collector.get('/api/conversations/convo-dash-1');
    assert.ok(Math.abs(api.total_cost_usd - total) < 1e-12);
    assert.equal(await page.locator(`.convo-item a[href="/sessions/${sessions.failure.id}"]`).count(), 1);
    await shot('conversation');
  });

  it('shows the overview with charts, agents, users and tools', async () => {
    await open('/overview');
    assert.equal(await page.locator('svg.chart').count(), 2);
    const text = await page.textContent('main');
    for (const word of ['dash-builder', 'dash-delegator', 'alice', 'carol', 'Bash', 'Tools most failing'])
      assert.ok(text.includes(word), word);
    assert.match(await page.textContent('[data-retention="none"]'), /kept until deleted/);
    await shot('overview');
  });

  it('updates a running session without a reload', async () => {
    const t0 = Date.now() - 2000;
    const ev = (n, type, data) => ({ id: `live-e${n}`, session_id: 'live-session', ts: t0 + n, type, data });
    await ingest([
      ev(0, 'session_start', { agent: 'live-agent', user_id: 'dora', input: 'Count to three', started_at: t0 }),
    ]);
    await open('/sessions/live-session');
    await page.waitForSelector('.page-head .badge.st-running');
    assert.equal(await page.isVisible('#live'), true);
    await page.evaluate(() => (window.__stillHere = true));
    await ingest([
      ev(1, 'tool_call', {
        tool_use_id: 'toolu_live_1',
        tool_name: 'Bash',
        seq: 0,
        status: 'success',
        input: { command: 'seq 3' },
        output: { stdout: '1\n2\n3', stderr: '' },
        duration_ms: 12,
        started_at: t0 + 100,
        ended_at: t0 + 112,
      }),
      ev(2, 'session_end', {
        status: 'completed',
        output: 'One, two, three.',
        ended_at: t0 + 500,
        duration_ms: 500,
        usage,
        results: 1,
      }),
    ]);
    await page.waitForSelector('.page-head .badge.st-completed', { timeout: 10_000 });
    await page.waitForSelector('.tl-row[data-tool-use-id="toolu_live_1"]');
    assert.equal(await page.evaluate(() => window.__stillHere), true, 'the same page, not a reload');
    assert.match(await page.textContent('[data-card="output"]'), /One, two, three\./);
  });

  it("ends a view's timers and listeners when the route changes, without a reload", async () => {
    const t0 = Date.now() - 1000;
    const ev = (n, type, data) => ({ id: `leave-e${n}`, session_id: 'leave-session', ts: t0 + n, type, data });
    await ingest([
      ev(0, 'session_start', { agent: 'leave-agent', user_id: 'erin', input: 'Keep running', started_at: t0 }),
    ]);
    // The intervals a page has running, and the click listeners on its document (by function name).
    await page.addInitScript(() => {
      const running = new Set();
      const set = window.setInterval.bind(window);
      const clear = window.clearInterval.bind(window);
      window.setInterval = (...args) => {
        const id = set(...args);
        running.add(id);
        return id;
      };
      window.clearInterval = (id) => {
        running.delete(id);
        clear(id);
      };
      window.__intervals = running;
    });
    const intervals = () => page.evaluate(() => [...window.__intervals]);
    const cdp = await browser.newCDPSession(page);
    const documentClickListeners = async () => {
      const { result } = await cdp.send('Runtime.evaluate', { expression: 'document', objectGroup: 'listeners' });
      const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
      return listeners
        .filter((l) => l.type === 'click')
        .map((l) => /^function (\w+)/.exec(l.handler.description)?.[1] ?? l.handler.description);
    };
    const shown = async (url, selector) => {
      await page.waitForURL(url);
      await page.waitForSelector(selector);
      await page.waitForSelector('body[data-ready="true"]');
    };

    // The first page of the list refreshes itself; it listens for row clicks on its own table.
    await open('/?agent=leave-agent');
    await page.evaluate(() => (window.__sameDocument = true));
    const list = await intervals();
    assert.equal(list.length, 1, 'the list refreshes itself');
    assert.equal(await page.isVisible('#live'), true);
    assert.deepEqual(await documentClickListeners(), ['follow'], "the document has the router's listener only");

    // To the running session: the list's timer ends, the session's own starts.
    await page.click('tr[data-session-id="leave-session"] td:nth-child(6)');
    await shown('**/sessions/leave-session', '[data-card="timeline"]');
    const session = await intervals();
    assert.equal(session.length, 1, 'only the session refreshes');
    assert.notEqual(session[0], list[0]);
    assert.equal(await page.isVisible('#live'), true);

    // To the overview: nothing refreshes, and it is not live.
    await page.click('#nav a[data-nav="overview"]');
    await shown('**/overview', '.stats');
    assert.deepEqual(await intervals(), [], 'the session stopped refreshing');
    assert.equal(await page.isVisible('#live'), false);
    assert.deepEqual(await documentClickListeners(), ['follow']);

    // Back to the session, then to the list: each refreshes again, one at a time.
    await page.goBack();
    await shown('**/sessions/leave-session', '[data-card="timeline"]');
    assert.equal((await intervals()).length, 1);
    await page.goBack();
    await shown(/\/\?agent=leave-agent$/, 'table.sessions');
    assert.equal((await intervals()).length, 1);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'every change of route in the same document');
    await cdp.detach();
    await ingest([
      ev(1, 'session_end', {
        status: 'completed',
        output: 'Stopped.',
        ended_at: t0 + 500,
        duration_ms: 500,
        usage,
        results: 1,
      }),
    ]);
  });

  it('ran without script errors or CSP violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});
