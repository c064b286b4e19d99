// The Compare page, a user's page, and the tables and links of every chart, in a real browser
// (Debian's chromium through playwright-core) against a real collector: each chart can be read as
// a table, and every number opens the sessions behind it (the list's filters select exactly
// those); the Compare page offers the values seen and marks each difference from the first.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openView, postEvents, screenshot, signedInBrowser } from './support/browser.mjs';
import { startCollector } from './support/harness.mjs';

let collector;
let chrome;
let page;
let pageErrors;

/** Session `id` of `user` in `convo` on `model`, metadata `version`, costing `cost`, `ms` long. */
function session(id, { user, convo, model, version, cost, ms, status, tool }) {
  const t0 = Date.now() - 2 * 3_600_000;
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
    ev(0, 'session_start', {
      agent: 'pages-agent',
      user_id: user,
      convo_id: convo,
      model,
      metadata: { version },
      input: `task ${id}`,
      started_at: t0,
    }),
    ...(tool
      ? [
          ev(1, 'tool_call', {
            tool_use_id: `toolu_${id}`,
            tool_name: tool,
            seq: 1,
            status: 'success',
            input: {},
            output: 'ok',
            duration_ms: 5,
            started_at: t0 + 10,
            ended_at: t0 + 15,
          }),
        ]
      : []),
    ev(50, 'session_end', { status, ended_at: t0 + ms, duration_ms: ms, usage, results: 1, num_turns: 2 }),
  ];
}

const SESSIONS = [
  ['p1', { user: 'dana', convo: 'cv-1', model: 'm-big', version: '1.2.0', cost: 0.4, ms: 4000, status: 'failed' }],
  ['p2', { user: 'dana', convo: 'cv-1', model: 'm-big', version: '1.2.0', cost: 0.4, ms: 4000, status: 'completed' }],
  [
    'p3',
    {
      user: 'dana',
      convo: 'cv-2',
      model: 'm-small',
      version: '1.3.0',
      cost: 0.1,
      ms: 1000,
      status: 'completed',
      tool: 'Grep',
    },
  ],
  [
    'p4',
    {
      user: 'eve',
      convo: 'cv-3',
      model: 'm-small',
      version: '1.3.0',
      cost: 0.1,
      ms: 1000,
      status: 'completed',
      tool: 'Grep',
    },
  ],
];

const open = (p) => openView(page, collector, p);
/** The ids of the sessions the list shows, sorted. */
const listed = () => page.$$eval('table.sessions tbody tr', (trs) => trs.map((r) => r.dataset.sessionId).sort());
/** Follows link `selector` to the sessions list and answers the sessions it shows. */
async function follow(selector) {
  await page.click(selector);
  await page.waitForURL(/^[^?]*\/\?/);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('table.sessions, .empty');
  return listed();
}

before(async () => {
  collector = await startCollector();
  await postEvents(
    collector,
    SESSIONS.flatMap(([id, s]) => session(id, s)),
  );
  chrome = await signedInBrowser(collector);
  ({ page, pageErrors } = chrome);
});

after(async () => {
  await chrome?.close();
  await collector?.stop();
});

describe('the Compare and user pages, and every chart as a table', () => {
  it('compares two versions side by side, marks the differences, and opens their sessions', async () => {
    await open('/compare?by=metadata&key=version');
    assert.ok(await page.isVisible('nav a[data-nav="compare"].active'), 'the nav names the page');
    const offered = await page.$$eval('input[name="values"]', (els) => els.map((e) => e.value));
    assert.deepEqual(offered, ['1.2.0', '1.3.0'], 'the values seen, most sessions first (a tie by value)');
    await page.check('input[name="values"][value="1.2.0"]');
    await page.check('input[name="values"][value="1.3.0"]');
    await page.click('form[data-compare-picker] button[type="submit"]');
    await page.waitForSelector('table.compare');
    const cell = (figure, value) => `tr[data-figure="${figure}"] td[data-value="${value}"]`;
    assert.equal(await page.textContent(`${cell('sessions', '1.2.0')} a`), '2');
    // 1.3.0 costs 75% less a session and fails none: better; the baseline has no mark.
    assert.match(await page.textContent(cell('cost_per_session', '1.3.0')), /-75% better/);
    assert.equal(await page.getAttribute(cell('cost_per_session', '1.3.0'), 'class'), 'num better');
    assert.match(await page.textContent(cell('duration_p50_ms', '1.3.0')), /-75% better/);
    assert.match(await page.textContent(cell('failure_rate', '1.3.0')), /-100% better/);
    assert.equal(await page.$(`${cell('cost_per_session', '1.2.0')} [data-change]`), null);
    await screenshot(page, 'compare');
    assert.deepEqual(await follow(`${cell('sessions', '1.3.0')} a`), ['p3', 'p4']);
    await page.goBack();
    assert.deepEqual(await follow(`${cell('failure_rate', '1.2.0')} a`), ['p1']);
    // By model: worse marked too.
    await open('/compare?by=model&values=m-small&values=m-big');
    assert.match(await page.textContent(cell('cost_per_session', 'm-big')), /\+300% worse/);
    assert.deepEqual(await follow(`${cell('sessions', 'm-big')} a`), ['p1', 'p2']);
  });

  it("shows a user's figures, sessions and conversations over time, reached from a session", async () => {
    await open('/sessions/p3');
    await page.click('a[data-user-link]');
    await page.waitForURL(/\/users\/dana/);
    await page.waitForSelector('[data-user-stats="dana"]');
    const stats = await page.textContent('[data-user-stats="dana"]');
    assert.match(stats, /Sessions\s*3/, stats);
    assert.match(stats, /Conversations\s*2/, stats);
    assert.match(stats, /33%/, stats);
    const convos = await page.$$eval('[data-card="user-conversations"] tbody tr', (trs) =>
      trs.map((r) => r.dataset.convo),
    );
    assert.deepEqual(convos.sort(), ['cv-1', 'cv-2']);
    const latest = await page.$$eval('[data-card="user-latest"] tbody tr', (trs) =>
      trs.map((r) => r.dataset.sessionId).sort(),
    );
    assert.deepEqual(latest, ['p1', 'p2', 'p3']);
    // The chart as a table: one row per bucket, its figures links to the bucket's sessions.
    await page.click('details[data-table="user-sessions"] summary');
    const cells = await page.$$eval('details[data-table="user-sessions"] tbody tr', (trs) =>
      trs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    );
    assert.equal(cells.length, 7, 'a row per day of the week shown');
    assert.equal(cells.filter((c) => c[1] !== '0' || c[2] !== '0').length, 1, cells);
    await screenshot(page, 'user');
    assert.deepEqual(
      await follow('details[data-table="user-sessions"] tbody tr:has(td:nth-child(3) a) td:nth-child(3) a:text("1")'),
      ['p1'],
      'the failed sessions of that day',
    );
    await page.goBack();
    assert.deepEqual(await follow('[data-card="user-conversations"] tr[data-convo="cv-1"] td:nth-child(2) a'), [
      'p1',
      'p2',
    ]);
  });

  it('lets every overview chart be read as a table whose numbers open their sessions', async () => {
    await open('/overview');
    const tables = await page.$$eval('details.chart-table', (ds) => ds.length);
    // Sessions and cost over time, by agent, by user, tools most called and slowest (no tool failed).
    assert.equal(tables, 6, `a table under each chart`);
    assert.deepEqual(await follow('.stat:has-text("Failed") a'), ['p1']);
    await page.goBack();
    await page.waitForSelector('details[data-table="cost-over-time"]');
    const summaries = await page.$$('details.chart-table summary');
    for (const s of summaries) await s.click();
    await screenshot(page, 'overview-tables');
    assert.deepEqual(await follow('details.chart-table tr:has(td:text-is("Grep")) a'), ['p3', 'p4']);
    await open('/tools');
    assert.deepEqual(await follow('a[data-sessions-of="Grep"]'), ['p3', 'p4']);
    await open('/tools');
    await page.click('details[data-table="tools-per-day"] summary');
    assert.match(await page.textContent('details[data-table="tools-per-day"]'), /Grep/);
  });

  it('ran without script errors or CSP violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});
