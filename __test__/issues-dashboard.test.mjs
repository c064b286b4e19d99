// The dashboard's detected issues and scores in a real browser (Debian's chromium through
// playwright-core) against a real collector: the Issues page and the session list it opens, a
// session's findings beside the steps they point at, a reviewer adding scores, and the overview's
// score averages per agent.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openView, postEvents, screenshot, signedInBrowser } from './support/browser.mjs';
import { startCollector } from './support/harness.mjs';

const DAY = 86_400_000;
let collector;
let chrome;
let page;
let pageErrors;

/**
 * An ended session `id` of `agent`, `days` days ago: three failed calls of `tool` with the same
 * input (a loop and an error streak) and no result (unfinished); `clean` makes one good call and
 * a result instead.
 */
function run(id, agent, tool, days, clean = false) {
  const t0 = Date.now() - days * DAY - 60_000;
  const ev = (n, type, data) => ({ id: `${id}-e${n}`, session_id: id, ts: t0 + n * 100, type, data });
  const calls = clean ? 1 : 3;
  const events = [ev(0, 'session_start', { agent, user_id: 'u', input: `task ${id}`, started_at: t0 })];
  for (let n = 1; n <= calls; n++) {
    events.push(
      ev(n, 'tool_call', {
        tool_use_id: `toolu_${id}_${n}`,
        tool_name: tool,
        seq: n,
        status: clean ? 'success' : 'error',
        input: { command: 'make' },
        output: clean ? { stdout: 'ok' } : null,
        error: clean ? null : 'make: *** no rule',
        duration_ms: 20,
        started_at: t0 + n * 100,
        ended_at: t0 + n * 100 + 20,
      }),
    );
  }
  const usage = {
    prompt_tokens: 1,
    completion_tokens: 1,
    total_tokens: 2,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    cost_usd: 0.001,
  };
  if (clean) {
    events.push(
      ev(8, 'session_result', {
        index: 0,
        subtype: 'success',
        is_error: false,
        output: 'done',
        duration_ms: 800,
        usage,
      }),
    );
  }
  events.push(
    ev(9, 'session_end', {
      status: clean ? 'completed' : 'failed',
      ended_at: t0 + 900,
      duration_ms: 900,
      usage,
      results: clean ? 1 : 0,
    }),
  );
  return events;
}

const open = (p) => openView(page, collector, p);
/** The ids of the sessions the list shows. */
const listed = () => page.$$eval('table.sessions tbody tr', (rows) => rows.map((r) => r.dataset.sessionId).sort());

before(async () => {
  collector = await startCollector();
  await postEvents(collector, [
    ...run('loop-a', 'builder', 'Bash', 0),
    ...run('loop-b', 'builder', 'Bash', 1),
    ...run('loop-c', 'fixer', 'Read', 1),
    ...run('clean', 'builder', 'Bash', 0, true),
  ]);
  chrome = await signedInBrowser(collector);
  ({ page, pageErrors } = chrome);
});

after(async () => {
  await chrome?.close();
  await collector?.stop();
});

describe('detected issues and scores in the dashboard', () => {
  it('the Issues page counts each kind and every count opens the sessions it counts', async () => {
    await open('/issues');
    await page.waitForSelector('table.issues');
    assert.ok(await page.isVisible('nav a[data-nav="issues"].active'), 'the nav names the page');
    const loop = page.locator('tr[data-kind="loop"]');
    assert.equal(await loop.locator('a[data-count="sessions"]').textContent(), '3');
    assert.equal(await page.locator('tr[data-kind="error_streak"] a[data-count="sessions"]').textContent(), '3');
    // The clean run is counted nowhere; the three looping ones are unfinished (no result).
    assert.equal(await page.locator('tr[data-kind="unfinished"] a[data-count="sessions"]').textContent(), '3');
    assert.deepEqual(
      await loop.locator('[data-agent]').evaluateAll((els) => els.map((e) => [e.dataset.agent, e.dataset.sessions])),
      [
        ['builder', '2'],
        ['fixer', '1'],
      ],
    );
    // One bar per day with sessions, by their end: yesterday's two, today's one.
    const ended = (days) => new Date(Date.now() - days * DAY - 60_000 + 900).toISOString().slice(0, 10);
    assert.deepEqual(
      await loop
        .locator('.spark-bar[data-day]')
        .evaluateAll((els) => els.map((e) => [e.dataset.day, e.dataset.sessions])),
      [
        [ended(1), '2'],
        [ended(0), '1'],
      ],
    );
    await screenshot(page, 'issues');

    await loop.locator('a[data-count="sessions"]').click();
    await page.waitForSelector('table.sessions');
    assert.match(page.url(), /issue=loop/);
    assert.deepEqual(await listed(), ['loop-a', 'loop-b', 'loop-c']);

    await open('/issues');
    await page.locator('tr[data-kind="loop"] [data-tool="Read"]').click();
    await page.waitForSelector('table.sessions');
    assert.deepEqual(await listed(), ['loop-c']);

    await open('/issues');
    await page.locator('tr[data-kind="loop"] [data-agent="builder"]').click();
    await page.waitForSelector('table.sessions');
    assert.deepEqual(await listed(), ['loop-a', 'loop-b']);

    // A day's bar opens that day's sessions.
    await open('/issues');
    await page.locator(`tr[data-kind="loop"] .spark-bar[data-day="${ended(1)}"]`).click();
    await page.waitForSelector('table.sessions');
    assert.deepEqual(await listed(), ['loop-b', 'loop-c']);
    assert.deepEqual(pageErrors, []);
  });

  it('the sessions list shows a badge per kind and filters by kind', async () => {
    await open('/');
    const row = page.locator('tr[data-session-id="loop-a"]');
    assert.deepEqual(await row.locator('[data-issue]').evaluateAll((els) => els.map((e) => e.dataset.issue)), [
      'loop',
      'error_streak',
      'unfinished',
    ]);
    assert.equal(await page.locator('tr[data-session-id="clean"] [data-issue]').count(), 0);
    await page.selectOption('select[name="issue"]', 'error_streak');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/issue=error_streak/);
    await page.waitForSelector('body[data-ready="true"]');
    assert.deepEqual(await listed(), ['loop-a', 'loop-b', 'loop-c']);
    assert.deepEqual(pageErrors, []);
  });

  it("a session's findings sit beside the steps they point at", async () => {
    await open('/sessions/loop-a');
    const findings = page.locator('[data-card="findings"] li.finding');
    assert.deepEqual(await findings.evaluateAll((els) => els.map((e) => [e.dataset.kind, e.dataset.severity])), [
      ['loop', 'warning'],
      ['error_streak', 'warning'],
      ['unfinished', 'error'],
    ]);
    assert.match(await findings.first().textContent(), /Bash called 3 times with the same input/);
    // Each call the loop points at carries its badge in the timeline.
    for (const n of [1, 2, 3]) {
      const row = page.locator(`.tl-row[data-tool-use-id="toolu_loop-a_${n}"]`);
      assert.equal(await row.locator('.tl-head [data-issue="loop"]').count(), 1);
    }
    // Its evidence opens the call it names.
    const target = page.locator('.tl-row[data-tool-use-id="toolu_loop-a_2"] .tl-head');
    assert.equal(await target.getAttribute('aria-expanded'), 'false');
    await findings.first().locator('button[data-tool-use-id="toolu_loop-a_2"]').click();
    assert.equal(await target.getAttribute('aria-expanded'), 'true');
    await screenshot(page, 'session-findings');
    assert.deepEqual(pageErrors, []);
  });

  it('a reviewer adds scores on the session page: thumbs, a number, a label', async () => {
    await open('/sessions/clean');
    assert.equal(await page.locator('[data-card="findings"]').count(), 0, 'a clean run has no findings card');
    const card = page.locator('[data-card="scores"]');
    assert.match(await card.textContent(), /No scores yet/);

    // Nothing picked: the form says so and sends nothing.
    await card.locator('button[type="submit"]').click();
    assert.match(await card.locator('.form-status').textContent(), /Pick thumbs up or down/);

    await card.locator('input[name="thumb"][value="true"]').check();
    await card.locator('textarea[name="comment"]').fill('Right answer, <b>fast</b>');
    await card.locator('button[type="submit"]').click();
    await card.locator('tr[data-source="dashboard"]').first().waitFor();

    await card.locator('input[name="name"]').fill('accuracy');
    await card.locator('select[name="kind"]').selectOption('number');
    await card.locator('input[name="number"]').fill('0.75');
    await card.locator('button[type="submit"]').click();
    await card.locator('tr[data-score="accuracy"]').waitFor();

    await card.locator('input[name="name"]').fill('verdict');
    await card.locator('select[name="kind"]').selectOption('label');
    await card.locator('input[name="label"]').fill('needs-work');
    await card.locator('button[type="submit"]').click();
    await card.locator('tr[data-score="verdict"]').waitFor();
    await screenshot(page, 'session-scores');

    const { scores } = await collector.get('/api/sessions/clean/scores');
    assert.deepEqual(
      scores.map((s) => [s.name, s.value, s.comment ?? null, s.source]),
      [
        ['review', true, 'Right answer, <b>fast</b>', 'dashboard'],
        ['accuracy', 0.75, null, 'dashboard'],
        ['verdict', 'needs-work', null, 'dashboard'],
      ],
    );
    // The comment is text on the page, never markup.
    assert.equal(await card.locator('b').count(), 0);
    // After a reload the scores come from the collector.
    await open('/sessions/clean');
    assert.equal(await page.locator('[data-card="scores"] tbody tr').count(), 3);

    // The overview averages each numeric score per agent; a label has no average.
    await open('/overview');
    const averages = page.locator('[data-card="score-averages"] tbody tr');
    assert.deepEqual(
      await averages.evaluateAll((rows) => rows.map((r) => [r.dataset.score, r.dataset.agent, r.cells[2].textContent])),
      [
        ['accuracy', 'builder', '0.75'],
        ['review', 'builder', '1'],
      ],
    );
    await page.locator('[data-card="score-averages"] tr[data-score="accuracy"] td:first-child a').click();
    await page.waitForURL(/score=accuracy/);
    await page.waitForSelector('table.sessions');
    assert.deepEqual(await listed(), ['clean']);
    assert.deepEqual(pageErrors, []);
  });
});
