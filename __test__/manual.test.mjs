// The manual session API (createSession, trackToolCall, trackDecision, trackError, trackLLMCall,
// completeSession, begin) through the real addon into a real collector (`sentrial serve`, SQLite),
// with a child that is a real Claude Agent SDK run (its CLI answered by the scripted model)
// through wrapClaudeAgent's parentSessionId, and a grandchild that is a manual session again.
// Every figure is checked against what was reported and the pricing table; misuses throw or are
// counted as `failSilently` says; redaction and privacy modes reach what manual sessions carry.
// Run: node --test __test__/manual.test.mjs (needs the release addon: npm run build).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { drain, eventually, sdkOptions, startCollector, startScriptedModel } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent, getSessionId } = require('../index.js');

/** USD per million tokens of the pricing table (crates/sentrial-core/src/pricing.rs). */
const SONNET = { input: 3, output: 15 };
const HAIKU = { input: 1, output: 5 };
const priced = (p, input, output) => (input * p.input + output * p.output) / 1e6;
const close = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} != ${b}`);

let collector;
let model;
const clients = [];

function newClient(options = {}) {
  const client = new SentrialClient({ apiKey: collector.apiKey, apiUrl: collector.url, exitTimeoutMs: 0, ...options });
  clients.push(client);
  return client;
}

/** The session once its end is stored. */
function ended(id) {
  return eventually(
    async () => {
      const s = await collector.get(`/api/sessions/${id}`);
      return s.status !== 'running' ? s : null;
    },
    { timeoutMs: 15_000 },
  );
}

const ids = (list) => list.sessions.map((s) => s.id).sort();

before(async () => {
  [collector, model] = await Promise.all([startCollector(), startScriptedModel()]);
});

after(async () => {
  await Promise.all(clients.map((c) => c.shutdown({ timeoutMs: 1000 })));
  await Promise.all([collector?.stop(), model?.close()]);
});

describe('manual sessions', () => {
  it('an orchestrator with every kind of step, a real SDK run as its child and a manual grandchild', async () => {
    const client = newClient({ failSilently: false });
    const parent = await client.createSession({
      name: 'plan-trip',
      agentName: 'orchestrator',
      userId: 'u-manual',
      convoId: 'c-manual',
      metadata: { version: '1.3.0' },
      input: 'Plan a trip to Paris',
    });
    assert.match(parent, /^[0-9a-f-]{36}$/);
    client.trackLLMCall({
      sessionId: parent,
      model: 'gpt-4o',
      promptTokens: 1200,
      completionTokens: 300,
      costUsd: 0.0105,
      input: 'plan the trip',
      output: 'search flights first',
      durationMs: 420,
    });
    client.trackToolCall({
      sessionId: parent,
      toolName: 'search_flights',
      toolInput: { to: 'CDG' },
      toolOutput: { flights: 3 },
      reasoning: 'the user wants to fly',
      durationMs: 85,
      toolUseId: 'manual-t1',
    });
    client.trackToolCall({
      sessionId: parent,
      toolName: 'book_hotel',
      toolInput: { city: 'Paris' },
      toolError: new Error('no rooms'),
      durationMs: 40,
    });
    client.trackError({ sessionId: parent, error: new RangeError('budget exceeded'), context: { step: 'booking' } });
    client.trackDecision({
      sessionId: parent,
      reasoning: 'hotels are full',
      alternatives: ['hostel', 'airbnb'],
      chosen: 'airbnb',
    });

    // The child: a real Claude Agent SDK run, tracked by the same client under the orchestrator.
    const trackedQuery = wrapClaudeAgent(query, {
      client,
      defaultAgent: 'researcher',
      userId: 'u-manual',
      parentSessionId: parent,
    });
    const q = trackedQuery({
      prompt: '[scenario:tool-success] research Paris',
      options: sdkOptions(model.url, { tools: ['Bash'] }),
    });
    const child = getSessionId(q);
    const { messages, error } = await drain(q);
    assert.equal(error, null);
    const result = messages.find((m) => m.type === 'result');

    // The grandchild: a manual session under the wrapped run; its cost is estimated.
    const run = client.begin({ userId: 'u-manual', event: 'summarizer', parentSessionId: child, input: 'summarize' });
    run.trackLLMCall({ model: 'claude-sonnet-4-5', promptTokens: 1000, completionTokens: 200, output: 'Paris.' });
    await run.finish({ output: 'Paris is nice', customMetrics: { words: 3 } });

    client.trackLLMCall({ sessionId: parent, model: 'claude-haiku-4-5', promptTokens: 2000, completionTokens: 100 });
    await client.completeSession({
      sessionId: parent,
      output: 'Booked an airbnb',
      customMetrics: { satisfaction: 4, steps: 6 },
    });
    const flushed = await client.flush({ timeoutMs: 10_000 });
    assert.equal(flushed.timedOut, false);

    const s = await ended(parent);
    assert.equal(s.status, 'completed');
    assert.equal(s.entry_point, 'manual');
    assert.deepEqual(
      [s.name, s.agent, s.user_id, s.convo_id, s.input, s.output, s.metadata.version],
      ['plan-trip', 'orchestrator', 'u-manual', 'c-manual', 'Plan a trip to Paris', 'Booked an airbnb', '1.3.0'],
    );
    // The cost is the sum of its model calls': one as given, one from the pricing table.
    const haiku = priced(HAIKU, 2000, 100);
    close(s.cost_usd, 0.0105 + haiku, 'orchestrator cost');
    assert.equal(s.cost_estimated, true);
    assert.deepEqual([s.prompt_tokens, s.completion_tokens, s.total_tokens], [3200, 400, 3600]);
    assert.deepEqual(
      s.model_calls.map((m) => [m.model, m.input_tokens, m.output_tokens]),
      [
        ['gpt-4o', 1200, 300],
        ['claude-haiku-4-5', 2000, 100],
      ],
    );
    close(s.model_calls[0].cost_usd, 0.0105, 'given call cost');
    close(s.model_calls[1].cost_usd, haiku, 'estimated call cost');
    assert.deepEqual(
      s.tool_calls.map((c) => [c.tool_name, c.status, c.error, c.reasoning]),
      [
        ['search_flights', 'success', null, 'the user wants to fly'],
        ['book_hotel', 'error', 'no rooms', null],
      ],
    );
    assert.equal(s.tool_calls[0].tool_use_id, 'manual-t1');
    assert.deepEqual(s.tool_calls[0].output, { flights: 3 });
    assert.deepEqual(s.metrics, { satisfaction: 4, steps: 6 });
    assert.deepEqual(
      s.children.map((c) => c.id),
      [child],
    );

    // Decisions and errors sit in the transcript at the place they were reported.
    const { items } = await collector.get(`/api/sessions/${parent}/transcript`);
    const steps = items.filter((i) => i.position !== null).map((i) => (i.kind === 'marker' ? i.marker : i.kind));
    assert.deepEqual(steps, ['model_call', 'tool_call', 'tool_call', 'error', 'decision', 'model_call']);
    const decision = items.find((i) => i.marker === 'decision');
    assert.deepEqual(decision.data, {
      reasoning: 'hotels are full',
      alternatives: ['hostel', 'airbnb'],
      chosen: 'airbnb',
    });
    const err = items.find((i) => i.marker === 'error');
    assert.equal(err.data.message, 'budget exceeded');
    assert.equal(err.data.error_type, 'RangeError');
    assert.deepEqual(err.data.context, { step: 'booking' });

    // The child is the SDK's run as a wrapped session is, with its parent named.
    const c = await ended(child);
    assert.equal(c.parent_session_id, parent);
    assert.equal(c.agent, 'researcher');
    assert.equal(c.status, 'completed');
    close(c.cost_usd, result.total_cost_usd, 'the child run costs what its result says');
    assert.deepEqual(
      c.tool_calls.map((t) => t.tool_name),
      ['Bash'],
    );
    assert.deepEqual(
      c.children.map((g) => g.id),
      [run.sessionId],
    );
    const g = await ended(run.sessionId);
    assert.equal(g.parent_session_id, child);
    close(g.cost_usd, priced(SONNET, 1000, 200), 'grandchild cost from the pricing table');
    assert.deepEqual(g.metrics, { words: 3 });

    // The list filters by name, parent and custom metric.
    assert.deepEqual(ids(await collector.get(`/api/sessions?parent=${parent}`)), [child]);
    assert.deepEqual(ids(await collector.get('/api/sessions?name=plan-trip')), [parent]);
    assert.deepEqual(ids(await collector.get('/api/sessions?metric.satisfaction_min=4')), [parent]);
    assert.deepEqual(ids(await collector.get('/api/sessions?metric.satisfaction_min=4.5')), []);

    const stats = client.stats();
    assert.deepEqual([stats.dropped, stats.misuses, stats.badInputs, stats.faults], [0, 0, 0, 0]);
  });

  it('failSilently: false throws a TypeError at the call for each misuse', async () => {
    const client = newClient({ failSilently: false });
    const id = await client.createSession({ name: 'n', agentName: 'strict', userId: 'u' });
    const misuses = [
      [() => client.trackToolCall({ toolName: 'x' }), /sessionId must be the id createSession gave/],
      [() => client.trackToolCall({ sessionId: 'nope', toolName: 'x' }), /not an open session of this client/],
      [() => client.trackToolCall({ sessionId: id, toolName: 7 }), /toolName must be a non-empty string/],
      [
        () => client.trackLLMCall({ sessionId: id, model: 'm', promptTokens: -1 }),
        /promptTokens must be a non-negative/,
      ],
      [
        () => client.trackDecision({ sessionId: id, reasoning: 'r', alternatives: 'a' }),
        /alternatives must be an array/,
      ],
      [() => client.trackError({ sessionId: id }), /error must be an Error or a message/],
      [() => client.createSession({ name: 'n', userId: 'u' }), /agentName must be a non-empty string/],
      [() => client.createSession('x'), /expected an object of parameters/],
      [() => client.begin({ userId: 'u' }), /begin: event must be a non-empty string/],
      [
        () => client.completeSession({ sessionId: id, customMetrics: { nps: Number.NaN } }),
        /customMetrics.nps must be a finite number/,
      ],
    ];
    for (const [call, message] of misuses) assert.throws(call, { name: 'TypeError', message });
    await client.completeSession({ sessionId: id });
    assert.throws(() => client.trackDecision({ sessionId: id, reasoning: 'late' }), {
      name: 'TypeError',
      message: /was already completed/,
    });
    assert.throws(() => client.completeSession({ sessionId: id }), /was already completed/);
    assert.equal(client.stats().misuses, 0);
    await client.flush();
    const s = await ended(id);
    assert.equal(s.status, 'completed');
    assert.equal(s.tool_calls.length, 0, 'no misused call was sent');
  });

  it('failSilently (the default) ignores, counts and warns once; without a key every call does nothing', async () => {
    const warnings = [];
    const onWarning = (w) => w.code === 'SENTRIAL_MANUAL_MISUSE' && warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const client = newClient();
      assert.equal(await client.createSession({ agentName: 'a' }), null);
      client.trackToolCall({ sessionId: 'unknown', toolName: 'x' });
      client.trackLLMCall(null);
      const run = client.begin({ event: 'quiet', userId: 'u' });
      run.trackToolCall({ toolName: 3 });
      await run.finish();
      await run.finish();
      await new Promise((r) => setImmediate(r));
      assert.equal(client.stats().misuses, 5);
      assert.equal(warnings.length, 1, 'warned once');
      assert.match(warnings[0], /createSession: userId must be a non-empty string/);
      await client.flush();
      const s = await ended(run.sessionId);
      assert.equal(s.status, 'completed');
    } finally {
      process.off('warning', onWarning);
    }

    const off = new SentrialClient({ apiKey: '', apiUrl: 'http://127.0.0.1:9', exitTimeoutMs: 0, failSilently: false });
    assert.equal(off.enabled, false);
    assert.equal(await off.createSession({ name: 'n', agentName: 'a', userId: 'u' }), null);
    off.trackToolCall({ sessionId: null, toolName: 'x' });
    const idle = off.begin({ userId: 'u', event: 'a' });
    assert.equal(idle.sessionId, null);
    idle.trackDecision({ reasoning: 'r' });
    await idle.finish();
    await off.completeSession({ sessionId: null });
    assert.equal(off.stats().produced, 0);
  });

  it('the redact function, secret redaction and privacy modes reach what manual sessions carry', async () => {
    const key = 'sk-ant-api03-FAKEfake0123456789abcdefghijklmnop';
    const redacting = newClient({ redact: { fn: (t) => t.replaceAll('Alice', '[name]') } });
    const a = await redacting.createSession({ name: 'r', agentName: 'redacted', userId: 'u', input: 'Alice asks' });
    redacting.trackToolCall({
      sessionId: a,
      toolName: 'lookup',
      toolInput: { who: 'Alice', key },
      toolOutput: 'Alice found',
    });
    redacting.trackDecision({ sessionId: a, reasoning: 'Alice is known' });
    redacting.trackLLMCall({ sessionId: a, model: 'm', costUsd: 0, output: `Hi Alice, ${key}` });
    await redacting.completeSession({ sessionId: a, output: 'done for Alice' });

    const quiet = newClient({ privacy: 'no_outputs' });
    const b = await quiet.createSession({ name: 'p', agentName: 'private', userId: 'u' });
    quiet.trackDecision({ sessionId: b, reasoning: 'private thoughts', chosen: 'x' });
    quiet.trackError({ sessionId: b, error: new Error('user 42 missing') });
    quiet.trackLLMCall({ sessionId: b, model: 'm', costUsd: 0.25, input: 'kept', output: 'dropped' });
    await quiet.completeSession({ sessionId: b, output: 'dropped too' });
    await Promise.all([redacting.flush(), quiet.flush()]);

    // Everything stored of a session: its detail (tool calls, model calls, markers) and transcript.
    const stored = async (id) =>
      JSON.stringify([
        await collector.get(`/api/sessions/${id}`),
        await collector.get(`/api/sessions/${id}/transcript`),
      ]);
    const ra = await ended(a);
    const raw = await stored(a);
    assert.ok(
      raw.includes('[name] is known') && raw.includes('Hi [name]'),
      'the decision and the model call are stored',
    );
    assert.ok(!raw.includes('Alice'), 'the redact function cleaned every text');
    assert.ok(!raw.includes(key), 'the secret was redacted');
    assert.equal(ra.input, '[name] asks');
    assert.equal(ra.tool_calls[0].output, '[name] found');

    const rb = await ended(b);
    close(rb.cost_usd, 0.25, 'figures are kept');
    assert.equal(rb.output, null);
    const rawB = await stored(b);
    for (const gone of ['private thoughts', 'user 42 missing', 'dropped']) {
      assert.ok(!rawB.includes(gone), `${gone} left out under no_outputs`);
    }
    assert.ok(rawB.includes('kept'), 'inputs are kept under no_outputs');
  });
});
