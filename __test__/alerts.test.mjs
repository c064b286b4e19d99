// The Alerts page in a real browser (playwright-core driving Debian's chromium) against the real
// collector evaluating every second, with a real webhook receiver on 127.0.0.1: a rule made in
// the page fires to the receiver, the page shows its state, last firing and delivery, and the
// rule is paused and deleted from the page. Screenshots go to .artifacts/screenshots/.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { openView, postEvents, screenshot, signedInBrowser } from './support/browser.mjs';
import { eventually, startCollector } from './support/harness.mjs';

let collector;
let chrome;
let page;
let pageErrors = [];
let hooks;
const received = [];

/** A webhook receiver on 127.0.0.1: every POSTed JSON body lands in `received`. */
async function startReceiver() {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** A failed session of `alice` that ended ten seconds ago. */
function failedSession(id) {
  const t = Date.now() - 10_000;
  return [
    {
      id: `${id}-start`,
      session_id: id,
      ts: t - 1000,
      type: 'session_start',
      data: { agent: 'bot', user_id: 'alice', started_at: t - 1000 },
    },
    {
      id: `${id}-end`,
      session_id: id,
      ts: t,
      type: 'session_end',
      data: {
        status: 'failed',
        ended_at: t,
        duration_ms: 1000,
        results: 1,
        usage: {
          prompt_tokens: 10,
          completion_tokens: 20,
          total_tokens: 30,
          cache_read_tokens: 0,
          cache_creation_tokens: 0,
          cost_usd: 0.001,
        },
      },
    },
  ];
}

before(async () => {
  [collector, hooks] = await Promise.all([startCollector({ args: ['--alert-interval-secs', '1'] }), startReceiver()]);
  await postEvents(collector, failedSession('alert-s1'));
  // The printed link signs in with `admin` (whoever holds it runs the collector).
  chrome = await signedInBrowser(collector);
  ({ page, pageErrors } = chrome);
});

after(async () => {
  await chrome?.close();
  await collector?.stop();
  await hooks?.close();
});

describe('the Alerts page', () => {
  it('makes a rule that fires to a real webhook, shows it firing and delivered, pauses and deletes it', async () => {
    await openView(page, collector, '/alerts');
    assert.equal(await page.textContent('h1'), 'Alerts');
    assert.ok(await page.isVisible('[data-card="rules"] >> text=No rules yet.'));

    // A bad rule: the collector's message is shown, nothing is stored.
    await page.fill('form.alert-form input[name="name"]', 'Bad');
    await page.fill('form.alert-form input[name="threshold"]', '0');
    await page.fill('form.alert-form input[name="webhook_url"]', 'ftp://127.0.0.1/x');
    await page.click('form.alert-form button[type="submit"]');
    await page.waitForSelector('.form-error:not([hidden])');
    assert.match(await page.textContent('.form-error'), /http:\/\/ or https:\/\//);

    await page.fill('form.alert-form input[name="name"]', 'Failures');
    await page.selectOption('form.alert-form select[name="metric"]', 'failed_sessions');
    await page.fill('form.alert-form input[name="threshold"]', '0');
    await page.fill('form.alert-form input[name="webhook_url"]', `${hooks.url}/hook`);
    await page.click('form.alert-form button[type="submit"]');
    await page.waitForSelector('table.alert-rules tbody tr');
    const ruleId = await page.getAttribute('table.alert-rules tbody tr', 'data-rule-id');

    const firing = await eventually(() => received.find((r) => r.body.state === 'firing'), { timeoutMs: 10_000 });
    assert.equal(firing.path, '/hook');
    assert.equal(firing.body.rule.id, ruleId);
    assert.equal(firing.body.value, 1);
    assert.equal(firing.body.sessions[0].id, 'alert-s1');
    assert.equal(firing.body.sessions[0].url, `${collector.url}/sessions/alert-s1`);
    assert.match(firing.body.text, /^\[FIRING\] Failures: failed_sessions &gt; 0 over 60 min/);

    await eventually(async () => {
      await openView(page, collector, '/alerts');
      const delivered = await page.$('table.alert-history tbody tr[data-status="delivered"]');
      return delivered && (await page.getAttribute('table.alert-rules tbody tr', 'data-state')) === 'firing';
    });
    assert.match(await page.textContent('table.alert-history tbody tr'), /Failures.*firing.*delivered 204/s);
    assert.ok(await page.isVisible('table.alert-history a[href="/sessions/alert-s1"]'));
    await screenshot(page, 'alerts');

    await page.click('table.alert-rules tbody tr >> text=Pause');
    await page.waitForSelector('table.alert-rules tbody tr[data-state="paused"]');
    const listed = await collector.get('/api/alert-rules');
    assert.equal(listed.rules[0].paused, true);

    page.once('dialog', (d) => d.accept());
    await page.click('table.alert-rules tbody tr >> text=Delete');
    await page.waitForSelector('[data-card="rules"] >> text=No rules yet.');
    assert.deepEqual((await collector.get('/api/alert-rules')).rules, []);

    // The only console errors are the 400 of the bad rule.
    assert.deepEqual(
      pageErrors.filter((e) => !/400 \(Bad Request\)/.test(e)),
      [],
    );
  });
});
