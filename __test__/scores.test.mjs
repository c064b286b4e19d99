// Scores from the SDK through the real addon to a real collector (`sentrial serve`, SQLite):
// by Sentrial session id (getSessionId) and by Claude session id, each sent before its session
// arrives; a bad score is counted and warned, never thrown; the redact function cleans a score.
// Run: node --test __test__/scores.test.mjs (needs the release addon: npm run build).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { eventually, startCollector } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent, getSessionId } = require('../index.js');
const { fakeQuery } = require('./support/fake-query.cjs');

const CLAUDE = 'claude-session-scores-1';
const script = () => [
  { message: { type: 'system', subtype: 'init', session_id: CLAUDE, model: 'claude-sonnet-4-5', cwd: '/tmp' } },
  {
    message: {
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'done',
      session_id: CLAUDE,
      num_turns: 1,
      duration_ms: 5,
      total_cost_usd: 0.01,
      usage: { input_tokens: 1, output_tokens: 1 },
    },
  },
];

describe('client.score', () => {
  let collector;
  before(async () => {
    collector = await startCollector();
  });
  after(async () => {
    await collector?.stop();
  });

  it('round-trips by sessionId and by claudeSessionId, each sent before its session', async () => {
    const client = new SentrialClient({ apiKey: collector.apiKey, apiUrl: collector.url, exitTimeoutMs: 0 });
    // Before the run exists at all: by the Claude session id the app already knows.
    client.score({ claudeSessionId: CLAUDE, name: 'helpful', value: false, comment: 'too slow' });
    const q = wrapClaudeAgent(fakeQuery(script()), { client, agent: 'scorer' })({ prompt: 'hi' });
    const sessionId = getSessionId(q);
    assert.match(sessionId, /^[0-9a-f-]{36}$/);
    // Before the run has produced anything: by the Sentrial session id.
    client.score({ sessionId, name: 'accuracy', value: 0.75 });
    for await (const _ of q) {
      // drain
    }
    client.score({ sessionId, name: 'tone', value: 'friendly' });
    const report = await client.flush();
    assert.equal(report.timedOut, false);
    const { scores } = await eventually(async () => {
      const body = await collector.get(`/api/sessions/${sessionId}/scores`);
      assert.equal(body.scores.length, 3);
      return body;
    });
    assert.deepEqual(scores.map((s) => [s.name, s.value, s.source, s.comment, s.of]).sort(), [
      ['accuracy', 0.75, 'sdk', null, 'session'],
      ['helpful', false, 'sdk', 'too slow', 'claude_session'],
      ['tone', 'friendly', 'sdk', null, 'session'],
    ]);
    const list = await collector.get('/api/sessions?score=accuracy&score_min=0.5');
    assert.deepEqual(
      list.sessions.map((s) => s.id),
      [sessionId],
    );
    const stats = client.stats();
    assert.equal(stats.badInputs, 0);
    assert.equal(stats.dropped, 0);
    await client.shutdown();
  });

  it('never throws: a bad score is counted in badInputs, warned once, and not sent', async () => {
    const client = new SentrialClient({ apiKey: collector.apiKey, apiUrl: collector.url, exitTimeoutMs: 0 });
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on('warning', onWarning);
    const bad = [
      undefined,
      null,
      'thumbs up',
      { name: 'x', value: 1 },
      { sessionId: 's', claudeSessionId: 'c', name: 'x', value: 1 },
      { sessionId: 's', name: '', value: 1 },
      { sessionId: 's', name: 'x', value: Number.NaN },
      { sessionId: 's', name: 'x', value: {} },
      { sessionId: 's', name: 'x', value: '' },
      { sessionId: 42, name: 'x', value: 1 },
    ];
    for (const score of bad) assert.doesNotThrow(() => client.score(score));
    await client.flush();
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    const stats = client.stats();
    assert.equal(stats.badInputs, bad.length);
    assert.equal(stats.produced, 0, 'nothing was sent');
    assert.ok(
      warnings.some((w) => w.code === 'SENTRIAL_BAD_SCORE'),
      warnings.map((w) => w.message).join('\n'),
    );
    // Tracking off: a score is ignored, still without throwing.
    const off = new SentrialClient({ apiKey: '', exitTimeoutMs: 0 });
    assert.doesNotThrow(() => off.score({ sessionId: 's', name: 'x', value: true }));
    await client.shutdown();
  });

  it("the redact function cleans a score's label and comment", async () => {
    const client = new SentrialClient({
      apiKey: collector.apiKey,
      apiUrl: collector.url,
      exitTimeoutMs: 0,
      redact: { fn: (t) => t.replaceAll('alice@example.com', '[EMAIL]') },
    });
    const q = wrapClaudeAgent(fakeQuery(script()), { client, agent: 'scorer' })({ prompt: 'hi' });
    const sessionId = getSessionId(q);
    assert.ok(sessionId, 'the redacting session has its id too');
    for await (const _ of q) {
      // drain
    }
    client.score({ sessionId, name: 'who', value: 'alice@example.com', comment: 'said alice@example.com' });
    await client.flush();
    // (The first test's score of the same Claude session id belongs to this run too.)
    const scores = await eventually(async () => {
      const body = await collector.get(`/api/sessions/${sessionId}/scores`);
      const own = body.scores.filter((s) => s.name === 'who');
      assert.equal(own.length, 1);
      return own;
    });
    assert.equal(scores[0].value, '[EMAIL]');
    assert.equal(scores[0].comment, 'said [EMAIL]');
    assert.equal(getSessionId({}), undefined);
    await client.shutdown();
  });
});
