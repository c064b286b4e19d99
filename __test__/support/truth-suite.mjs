// The truth of every session on the newest SDK, end to end: the real @anthropic-ai/claude-agent-sdk
// and its CLI, through wrapClaudeAgentSDK, into the real collector (`sentrial serve`), with the
// model answered by the scripted server. Resumed and forked runs billed once, denial reasons,
// changed inputs, end reasons and their filter, the transcript with thinking, markers and
// sub-agents, MCP, model calls, and the startup()/prewarm() entry points, each read back through
// the read API and checked against what the SDK's own messages said. It runs once per SDK line
// (truth.test.mjs: newest 0.3.x; truth-sdk-0.2.test.mjs: newest 0.2.x).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { drain, sdkOptions, startCollector, startScriptedModel } from './harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgentSDK } = require('../../index.js');

const DENY_REASON = 'no shell writes today (the test hook said so)';

/** The run's own spend by its results: Σ model_usage_since_last_result (0.3.x), else the last total. */
function ownCost(messages) {
  const results = messages.filter((m) => m.type === 'result');
  if (results.length === 0) return 0;
  if (results[0].model_usage_since_last_result) {
    return results.flatMap((r) => Object.values(r.model_usage_since_last_result)).reduce((a, m) => a + m.costUSD, 0);
  }
  return results.at(-1).total_cost_usd;
}

const close = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

/**
 * Defines the suite against one SDK module (`line` is `0.3` or `0.2`). `loadZod` gives the zod the
 * SDK's `tool()` takes (the project's own by default).
 */
export function truthSuite(sdk, line, { loadZod = () => import('zod') } = {}) {
  let collector;
  let model;
  let client;
  let tracked;

  before(async () => {
    [collector, model] = await Promise.all([startCollector(), startScriptedModel()]);
    client = new SentrialClient({ apiKey: collector.apiKey, apiUrl: collector.url, flushIntervalMs: 100 });
    tracked = wrapClaudeAgentSDK(sdk, { client, defaultAgent: `truth-${line}`, userId: `user-${line}` });
  });

  after(async () => {
    await client?.shutdown({ timeoutMs: 2000 });
    await model?.close();
    await collector?.stop();
  });

  // 0.2.x CLIs state the cwd nowhere in a request: the scripted model reads it from a marker.
  const prompt = (scenario, text, cwd) =>
    `[scenario:${scenario}]${line === '0.2' && cwd ? ` [cwd:${cwd}]` : ''} ${text}`;

  /** Flushes and returns the stored session of a run by its Claude session id. */
  async function stored(messages) {
    const flushed = await client.flush({ timeoutMs: 5000 });
    assert.equal(flushed.timedOut, false, 'flush must settle everything');
    const init = messages.find((m) => m.type === 'system' && m.subtype === 'init');
    assert.ok(init, 'the run has an init message');
    const list = await collector.get(`/api/sessions?claude_session_id=${init.session_id}&limit=100`);
    // A resumed run shares its Claude session with the runs before it: this run's is the newest.
    const hit = list.sessions.find((s) => !seen.has(s.id));
    assert.ok(hit, `session of ${init.session_id} stored`);
    seen.add(hit.id);
    return collector.get(`/api/sessions/${hit.id}`);
  }
  const seen = new Set();

  async function run(params) {
    const r = await drain(tracked.query(params));
    return { ...r, session: await stored(r.messages) };
  }

  describe(`the truth of every session (SDK ${line})`, () => {
    it('resumed and forked runs each hold what they spent, and the conversation adds up', async () => {
      const convoId = `convo-resume-${line}`;
      const threaded = wrapClaudeAgentSDK(sdk, {
        client,
        defaultAgent: `threads-${line}`,
        userId: `resumer-${line}`,
        convoId,
      });
      const base = sdkOptions(model.url, { tools: ['Bash'] });
      const go = async (options, text) => {
        const r = await drain(threaded.query({ prompt: prompt('tool-success', text, base.cwd), options }));
        assert.equal(r.error, null);
        return { ...r, session: await stored(r.messages) };
      };
      const first = await go(base, 'start');
      const claude1 = first.session.claude_session_id;
      const second = await go({ ...base, resume: claude1 }, 'Please continue.');
      const third = await go({ ...base, resume: claude1, forkSession: true }, 'Please continue in a fork.');
      const runs = [first, second, third];
      for (const [i, r] of runs.entries()) {
        close(r.session.cost_usd, ownCost(r.messages), `run ${i + 1} holds its own spend`);
        const reported = r.messages.filter((m) => m.type === 'result').at(-1).total_cost_usd;
        close(
          r.session.cost_usd + (r.session.carried?.cost_usd ?? 0),
          reported,
          `run ${i + 1}: own + carried = reported`,
        );
        // Its one turn's cost is its own cost, not the carried total.
        close(r.session.turns[0].cost_usd, r.session.cost_usd, `run ${i + 1} turn`);
      }
      if (line === '0.3') {
        // The SDK's totals carried the earlier runs: named apart, not counted again.
        assert.equal(first.session.carried, null);
        close(second.session.carried.cost_usd, first.session.cost_usd, 'run 2 carried run 1');
        close(
          third.session.carried.cost_usd,
          first.session.cost_usd + second.session.cost_usd,
          'the fork carried both',
        );
      }
      // Lineage, both ways.
      assert.equal(second.session.resumed_from, claude1);
      assert.equal(second.session.claude_session_id, claude1);
      assert.equal(third.session.forked_from, claude1);
      assert.notEqual(third.session.claude_session_id, claude1);
      assert.equal(second.session.lineage.previous.id, first.session.id);
      assert.equal(second.session.lineage.previous.relation, 'resumed');
      assert.equal(third.session.lineage.previous.id, second.session.id);
      assert.equal(third.session.lineage.previous.relation, 'forked');
      // Read again now that the fork exists.
      const secondNow = await collector.get(`/api/sessions/${second.session.id}`);
      assert.deepEqual(
        secondNow.lineage.continued_by.map((r) => [r.id, r.relation]),
        [[third.session.id, 'forked']],
      );
      const firstNow = await collector.get(`/api/sessions/${first.session.id}`);
      assert.deepEqual(
        firstNow.lineage.continued_by.map((r) => [r.id, r.relation]),
        [[second.session.id, 'resumed']],
      );
      // The conversation and the user count every run once.
      const total = runs.reduce((a, r) => a + r.session.cost_usd, 0);
      const convo = await collector.get(`/api/conversations/${convoId}`);
      close(convo.total_cost_usd, total, 'conversation total');
      const overview = await collector.get('/api/overview');
      const user = overview.by_user.find((u) => u.key === `resumer-${line}`);
      close(user.cost_usd, total, 'cost by user');
    });

    it('a denial keeps the reason its hook or canUseTool gave, and a changed input keeps both', async () => {
      const gated = (extra) => sdkOptions(model.url, extra);
      const deny = {
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'deny',
          permissionDecisionReason: DENY_REASON,
        },
      };
      const byHook = await run({
        prompt: prompt('gated-bash', 'hook'),
        options: gated({ tools: ['Bash'], hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [async () => deny] }] } }),
      });
      let call = byHook.session.tool_calls.find((c) => c.tool_name === 'Bash');
      assert.deepEqual(
        [call.status, call.error, call.denied_by, call.duration_ms],
        ['denied', DENY_REASON, 'hook', null],
      );
      assert.equal(byHook.session.end_reason, null, 'a denial does not fail the run');

      const byCallback = await run({
        prompt: prompt('gated-bash', 'callback'),
        options: gated({ canUseTool: async () => ({ behavior: 'deny', message: 'writes are off here' }) }),
      });
      call = byCallback.session.tool_calls.find((c) => c.tool_name === 'Bash');
      assert.deepEqual([call.status, call.error, call.denied_by], ['denied', 'writes are off here', 'can_use_tool']);

      const interrupted = await run({
        prompt: prompt('gated-bash', 'interrupt'),
        options: gated({
          canUseTool: async () => ({ behavior: 'deny', message: 'stop everything now', interrupt: true }),
        }),
      });
      assert.ok(interrupted.error, 'the SDK throws after the interrupt');
      call = interrupted.session.tool_calls.find((c) => c.tool_name === 'Bash');
      assert.deepEqual([call.status, call.error], ['denied', 'stop everything now']);
      assert.equal(interrupted.session.end_reason, 'error_during_execution');

      const changed = await run({
        prompt: prompt('gated-bash', 'rewrite'),
        options: gated({
          tools: ['Bash'],
          hooks: {
            PreToolUse: [
              {
                hooks: [
                  async (input) =>
                    input.tool_name === 'Bash'
                      ? {
                          hookSpecificOutput: {
                            hookEventName: 'PreToolUse',
                            permissionDecision: 'allow',
                            updatedInput: { command: 'echo rewritten' },
                          },
                        }
                      : {},
                ],
              },
            ],
          },
        }),
      });
      call = changed.session.tool_calls.find((c) => c.tool_name === 'Bash');
      assert.equal(call.status, 'success');
      assert.equal(call.input.command, 'touch gated.txt && echo gated-command', 'what the model asked for');
      assert.deepEqual(call.updated_input, { command: 'echo rewritten' }, 'what ran');
    });

    it('how a run ended is a field, filterable in the list', async () => {
      const maxTurns = await run({
        prompt: prompt('max-turns', 'loop'),
        options: sdkOptions(model.url, { tools: ['Bash'], maxTurns: 2 }),
      });
      assert.equal(maxTurns.session.end_reason, 'error_max_turns');
      assert.equal(maxTurns.session.output, null, 'no mid-run message as the final response');
      const budget = await run({
        prompt: prompt('budget', 'spend'),
        options: sdkOptions(model.url, { tools: ['Bash'], maxBudgetUsd: 0.001 }),
      });
      assert.equal(budget.session.end_reason, 'error_max_budget_usd');
      close(budget.session.cost_usd, ownCost(budget.messages), 'the budget run still counts what it spent');
      const apiError = await run({ prompt: prompt('api-error', 'bad'), options: sdkOptions(model.url) });
      assert.deepEqual([apiError.session.end_reason, apiError.session.api_error_status], ['api_error', 400]);
      const success = await run({ prompt: prompt('hello', 'hi'), options: sdkOptions(model.url) });
      assert.equal(success.session.end_reason, null);

      const filtered = await collector.get('/api/sessions?end_reason=error_max_turns&limit=100');
      assert.deepEqual(
        filtered.sessions.map((s) => s.id),
        [maxTurns.session.id],
      );
      const byClaude = await collector.get(`/api/sessions?claude_session_id=${budget.session.claude_session_id}`);
      assert.deepEqual(
        byClaude.sessions.map((s) => s.id),
        [budget.session.id],
      );
      const res = await fetch(`${collector.url}/api/sessions?claude_session=x`, {
        headers: { authorization: `Bearer ${collector.apiKey}` },
      });
      assert.equal(res.status, 400);
      assert.match((await res.json()).error, /unknown parameter `claude_session`.*claude_session_id/);
    });

    it('an interrupt and an abort have their end reasons', async () => {
      const options = sdkOptions(model.url, { tools: ['Bash'] });
      const q = tracked.query({ prompt: prompt('slow', 'wait'), options });
      const r = await drain(q, async (m) => {
        if (m.type === 'assistant' && m.message.content.some((b) => b.type === 'tool_use'))
          setTimeout(() => q.interrupt(), 300);
      });
      const interrupted = await stored(r.messages);
      assert.equal(interrupted.end_reason, 'interrupted');
      const abortController = new AbortController();
      const a = await drain(
        tracked.query({ prompt: prompt('slow', 'abort'), options: { ...options, abortController } }),
        async (m) => {
          if (m.type === 'assistant' && m.message.content.some((b) => b.type === 'tool_use'))
            setTimeout(() => abortController.abort(), 300);
        },
      );
      assert.ok(a.error);
      const aborted = await stored(a.messages);
      assert.equal(aborted.end_reason, 'aborted');
    });

    it('the transcript tells the run step by step: thinking, tool calls, markers, sub-agents', async () => {
      const thinking = await run({
        prompt: prompt('thinking', 'think'),
        options: sdkOptions(model.url, { tools: ['Bash'], thinking: { type: 'enabled', budgetTokens: 2000 } }),
      });
      const t = await collector.get(`/api/sessions/${thinking.session.id}/transcript`);
      const kinds = t.items.map((i) => i.kind);
      assert.equal(kinds[0], 'user');
      assert.equal(kinds.at(-1), 'result');
      const first = t.items.find((i) => i.kind === 'model_call');
      assert.deepEqual(
        first.content.map((b) => b.type),
        ['thinking', 'text', 'tool_use'],
      );
      assert.match(first.content[0].thinking, /^The user wants/);
      const bash = t.items.find((i) => i.kind === 'tool_call' && i.tool_name === 'Bash');
      assert.ok(t.items.indexOf(bash) > t.items.indexOf(first), 'the tool call after the model call that made it');
      assert.ok(t.items.some((i) => i.kind === 'model_call' && i.content.some((b) => b.type === 'redacted_thinking')));

      const retried = await run({ prompt: prompt('overloaded-once', 'retry'), options: sdkOptions(model.url) });
      assert.equal(retried.session.marker_counts.api_retry, 1);
      const rt = await collector.get(`/api/sessions/${retried.session.id}/transcript`);
      const retry = rt.items.find((i) => i.kind === 'marker');
      assert.equal(retry.marker, 'api_retry');
      assert.equal(retry.data.error_status, 529);

      // A manual compaction, sent as a turn of a streamed prompt.
      const turns = ['[scenario:compact] This is turn 1.', '/compact', 'This is turn 3, after the compaction.'];
      let next;
      async function* streamed() {
        for (const text of turns) {
          yield { type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, session_id: '' };
          await new Promise((r) => (next = r));
        }
      }
      const c = await drain(tracked.query({ prompt: streamed(), options: sdkOptions(model.url) }), (m) => {
        if (m.type === 'result') next?.();
      });
      const compacted = await stored(c.messages);
      assert.equal(compacted.marker_counts.compact, 1);
      assert.deepEqual(
        compacted.inputs.map((i) => i.text),
        turns,
      );
      const boundary = c.messages.find((m) => m.subtype === 'compact_boundary').compact_metadata;
      const ct = await collector.get(`/api/sessions/${compacted.id}/transcript`);
      const marker = ct.items.find((i) => i.kind === 'marker');
      assert.deepEqual(
        [marker.data.trigger, marker.data.pre_tokens, marker.data.post_tokens],
        ['manual', boundary.pre_tokens, boundary.post_tokens],
      );
      close(compacted.cost_usd, ownCost(c.messages), 'the compaction call is counted once');

      const sub = await run({
        prompt: prompt('subagent', 'delegate'),
        options: sdkOptions(model.url, { tools: ['Bash', 'Agent', 'Task'] }),
      });
      const st = await collector.get(`/api/sessions/${sub.session.id}/transcript`);
      const task = st.items.find((i) => i.kind === 'tool_call' && (i.tool_name === 'Agent' || i.tool_name === 'Task'));
      assert.ok(task.items.length > 0, 'the sub-agent section holds its steps');
      assert.ok(
        task.items.some((i) => i.kind === 'tool_call' && i.tool_name === 'Bash'),
        'its Bash call nested under it',
      );
      assert.ok(!st.items.some((i) => i.kind === 'tool_call' && i.tool_name === 'Bash'), 'not at the top level');
    });

    it('an MCP call names its server and the session keeps the init MCP servers', async () => {
      const { z } = await loadZod();
      const add = sdk.tool('add', 'Add two numbers', { a: z.number(), b: z.number() }, async ({ a, b }) => ({
        content: [{ type: 'text', text: String(a + b) }],
      }));
      const calc = sdk.createSdkMcpServer({ name: 'calc', version: '1.0.0', tools: [add] });
      const r = await run({
        prompt: prompt('mcp', 'add'),
        options: sdkOptions(model.url, { tools: ['mcp__calc__add', 'ToolSearch'], mcpServers: { calc } }),
      });
      assert.equal(r.error, null);
      const call = r.session.tool_calls.find((c) => c.tool_name === 'mcp__calc__add');
      assert.equal(call.status, 'success');
      assert.equal(call.mcp_server, 'calc');
      assert.deepEqual(r.session.mcp_servers, [{ name: 'calc', status: 'connected' }]);
    });

    it('a model call shows its output count only when the stream gave it', async () => {
      const plain = await run({ prompt: prompt('hello', 'plain'), options: sdkOptions(model.url) });
      assert.deepEqual(
        plain.session.model_calls.map((c) => c.output_tokens_final),
        [false],
      );
      const partial = await run({
        prompt: prompt('hello', 'partial'),
        options: sdkOptions(model.url, { includePartialMessages: true }),
      });
      const [call] = partial.session.model_calls;
      assert.equal(call.output_tokens_final, true);
      assert.equal(call.stop_reason, 'end_turn');
      const delta = partial.messages.find((m) => m.type === 'stream_event' && m.event.type === 'message_delta');
      assert.equal(call.output_tokens, delta.event.usage.output_tokens);
      if (line === '0.3') assert.ok(call.ttft_ms >= 0, 'the SDK measured a time to first token');
    });

    it('startup() and prewarm() runs are tracked with their hooks intact', async () => {
      if (typeof sdk.startup !== 'function') return;
      const options = sdkOptions(model.url, { tools: ['Bash'] });
      const warm = await tracked.startup({ options });
      const w = await drain(warm.query(prompt('tool-success', 'warm', options.cwd)));
      assert.equal(w.error, null);
      const warmSession = await stored(w.messages);
      assert.equal(warmSession.entry_point, 'startup');
      const bash = warmSession.tool_calls.find((c) => c.tool_name === 'Bash');
      assert.equal(bash.status, 'success');
      assert.ok(bash.duration_ms !== null && bash.output.stdout !== undefined, 'its PostToolUse hook reported it');
      close(warmSession.cost_usd, ownCost(w.messages), 'warm run cost');
      if (typeof sdk.prewarm !== 'function') return;
      const { cwd, ...rest } = options;
      const spare = await tracked.prewarm({ options: rest });
      const p = await drain(
        spare.claim({
          prompt: prompt('tool-success', 'claimed'),
          options: { cwd, model: options.model, permissionMode: 'default' },
        }),
      );
      assert.equal(p.error, null);
      const claimed = await stored(p.messages);
      assert.equal(claimed.entry_point, 'prewarm');
      assert.equal(claimed.tool_calls.find((c) => c.tool_name === 'Bash').status, 'success');
      assert.ok(existsSync(path.join(cwd, 'notes.txt')));
    });
  });
}
