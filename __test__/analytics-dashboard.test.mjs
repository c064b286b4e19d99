// The Users and Tools pages in a real browser (Debian's chromium through playwright-core) against
// a real collector: users sorted by each column and searched, each opening their sessions; tools
// with their figures, by tool and by MCP server, a tool opening its slowest and failing calls.
// (The Compare and user pages, and the tables and links of every chart: pages-dashboard.test.mjs.)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openView, postEvents, screenshot, signedInBrowser } from './support/browser.mjs';
import { startCollector } from './support/harness.mjs';

let collector;
let chrome;
let page;
let pageErrors;

/** Session `id` of `user` that cost `cost`, with `calls` ([name, ms, status, server]) in it. */
function session(id, user, cost, status, calls) {
  const t0 = Date.now() - 3_600_000;
  const ev = (n, type, data) => ({ id: `${id}-e${n}`, session_id: id, ts: t0 + n * 10, type, data });
  const usage = {
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 15,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    cost_usd: cost,
  };
  return [
    ev(0, 'session_start', { agent: 'analytics-agent', user_id: user, input: `task ${id}`, started_at: t0 }),
    ...calls.map(([name, ms, callStatus, server], i) =>
      ev(i + 1, 'tool_call', {
        tool_use_id: `toolu_${id}_${i}`,
        tool_name: name,
        seq: i + 1,
        status: callStatus,
        input: { n: i },
        output: callStatus === 'success' ? 'ok' : null,
        error: callStatus === 'error' ? `boom ${id} ${i}` : null,
        duration_ms: ms,
        mcp_server: server ?? null,
        started_at: t0 + (i + 1) * 10,
        ended_at: t0 + (i + 1) * 10 + ms,
      }),
    ),
    ev(50, 'session_end', { status, ended_at: t0 + 1000, duration_ms: 1000, usage, results: 1 }),
  ];
}

const open = (p) => openView(page, collector, p);
const rows = (sel) => page.$$eval(sel, (trs) => trs.map((r) => r.dataset.user ?? r.dataset.tool));

before(async () => {
  collector = await startCollector();
  await postEvents(collector, [
    ...session('u1', 'alice', 0.5, 'completed', [['Bash', 100, 'success']]),
    ...session('u2', 'alice', 0.1, 'failed', [['Bash', 300, 'error']]),
    ...session('u3', 'bob', 2.0, 'completed', [
      ['Read', 5, 'success'],
      ['mcp__calc__add', 40, 'success', 'calc'],
    ]),
    ...session('u4', 'carol', 0.05, 'failed', [['Bash', 900, 'error']]),
  ]);
  chrome = await signedInBrowser(collector);
  ({ page, pageErrors } = chrome);
});

after(async () => {
  await chrome?.close();
  await collector?.stop();
});

describe('the Users and Tools pages', () => {
  it('lists users by cost, sorts by any column, searches, and opens their sessions', async () => {
    await open('/users');
    assert.ok(await page.isVisible('nav a[data-nav="users"].active'), 'the nav names the page');
    assert.deepEqual(await rows('table.users tbody tr'), ['bob', 'alice', 'carol']);
    assert.match(await page.textContent('tr[data-user="alice"]'), /50%/);
    await screenshot(page, 'users');
    await page.click('th a[data-sort="sessions"]');
    await page.waitForURL(/sort=sessions/);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal((await rows('table.users tbody tr'))[0], 'alice');
    await page.click('th a[data-sort="failure_rate"]');
    await page.waitForURL(/sort=failure_rate/);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal((await rows('table.users tbody tr'))[0], 'carol');
    await page.fill('input[name="q"]', 'AL');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/q=AL/);
    await page.waitForSelector('body[data-ready="true"]');
    assert.deepEqual(await rows('table.users tbody tr'), ['alice']);
    // Her id opens her page; her sessions count opens them in the list.
    await page.click('tr[data-user="alice"] td:first-child a');
    await page.waitForURL(/\/users\/alice/);
    await page.waitForSelector('body[data-ready="true"]');
    await page.goBack();
    await page.waitForSelector('tr[data-user="alice"]');
    await page.click('tr[data-user="alice"] td:nth-child(2) a');
    await page.waitForURL(/user_id=alice/);
    await page.waitForSelector('table.sessions');
    const listed = await page.$$eval('table.sessions tbody tr', (trs) => trs.map((r) => r.dataset.sessionId).sort());
    assert.deepEqual(listed, ['u1', 'u2']);
  });

  it('lists tools with their figures, by MCP server too, and opens a tool’s slowest and failing calls', async () => {
    await open('/tools');
    assert.deepEqual(await rows('table.tools tbody tr'), ['Bash', 'Read', 'mcp__calc__add']);
    const bash = await page.textContent('tr[data-tool="Bash"]');
    assert.match(bash, /67%/, bash);
    await page.click('tr[data-tool="Bash"] button');
    await page.waitForSelector('[data-card="tool-detail"]');
    const slowest = await page.$$eval('[data-card="tool-detail"] ul:first-of-type li', (lis) =>
      lis.map((l) => l.dataset.call),
    );
    assert.deepEqual(slowest, ['toolu_u4_0', 'toolu_u2_0', 'toolu_u1_0']);
    assert.match(await page.textContent('[data-card="tool-detail"]'), /boom u4 0/);
    await screenshot(page, 'tools');
    await page.click('[data-card="tool-detail"] a[href="/sessions/u4"]');
    await page.waitForURL(/\/sessions\/u4$/);
    await open('/tools?by=mcp_server');
    assert.deepEqual(await rows('table.tools tbody tr'), ['calc']);
  });

  it('ran without script errors or CSP violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});
