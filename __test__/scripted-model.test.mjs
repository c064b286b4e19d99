// The scripted model's newer scenarios, played by the REAL SDK and CLI on both SDK lines through the
// fixture recorder (tools/scripted-model/record.mjs), which supplies what each needs: the MCP server
// named `calc` (in-process and stdio), hooks and canUseTool answers, budgets, streaming turns.
// Checks what the README's FINDINGS rely on, so a new SDK release that changes it shows up here.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startScriptedModel } from '../tools/scripted-model/server.mjs';
import { record, loadSdk } from '../tools/scripted-model/record.mjs';

let model;
before(async () => {
  model = await startScriptedModel();
});
after(async () => {
  await model?.close();
});

const messages = (items) => items.filter((i) => i.kind === 'message').map((i) => i.data);
const results = (items) => messages(items).filter((m) => m.type === 'result');
const system = (items, subtype) => messages(items).filter((m) => m.type === 'system' && m.subtype === subtype);
const blocks = (items, type) =>
  messages(items)
    .filter((m) => m.type === 'assistant')
    .flatMap((m) => m.message.content)
    .filter((b) => b.type === type);
const toolResults = (items) =>
  messages(items)
    .filter((m) => m.type === 'user' && Array.isArray(m.message.content))
    .flatMap((m) => m.message.content)
    .filter((b) => b.type === 'tool_result');
const end = (items) => items[items.length - 1];

for (const line of ['0.3', '0.2']) {
  const run = async (name) => {
    const sdkLine = await loadSdk(line);
    const r = await record(name, { model, sdkLine });
    assert.equal(end(r.items).kind, 'end');
    return r.items;
  };

  test(`${line}: thinking and redacted_thinking blocks arrive in assistant messages`, async () => {
    const items = await run('thinking');
    assert.equal(blocks(items, 'thinking').length, 1);
    assert.equal(blocks(items, 'thinking')[0].signature, 'c2NyaXB0ZWQtc2lnbmF0dXJlLTE=');
    assert.equal(blocks(items, 'redacted_thinking').length, 1);
    assert.match(results(items)[0].result, /Done: thinking$/);
    assert.equal(system(items, 'thinking_tokens').length > 0, line === '0.3');
  });

  for (const name of ['mcp', 'mcp-stdio']) {
    test(`${line}: ${name}: the model calls mcp__calc__add of the server named calc`, async () => {
      const items = await run(name);
      const init = system(items, 'init')[0];
      assert.deepEqual(
        init.mcp_servers.map((s) => [s.name, s.status]),
        [['calc', 'connected']],
      );
      assert.ok(init.tools.includes('mcp__calc__add'));
      const add = blocks(items, 'tool_use').find((b) => b.name === 'mcp__calc__add');
      assert.deepEqual(add.input, { a: 2, b: 3 });
      assert.equal(results(items)[0].result, '2 + 3 = 5 (from mcp__calc__add). Done: mcp');
      // 0.3.x offers MCP tools as deferred tools: the model loads it with ToolSearch first
      assert.equal(
        blocks(items, 'tool_use').some((b) => b.name === 'ToolSearch'),
        line === '0.3',
      );
    });
  }

  test(`${line}: overloaded-once: one 529, an api_retry message, then the answer`, async () => {
    const items = await run('overloaded-once');
    const [retry, ...more] = system(items, 'api_retry');
    assert.equal(more.length, 0);
    assert.equal(retry.attempt, 1);
    assert.equal(retry.error_status, 529);
    assert.equal(retry.error, line === '0.3' ? 'overloaded' : 'rate_limit');
    assert.match(results(items)[0].result, /Done: overloaded-once$/);
  });

  test(`${line}: server-error: bounded retries, then an error result and a throw`, async () => {
    const items = await run('server-error');
    assert.deepEqual(
      system(items, 'api_retry').map((m) => [m.attempt, m.max_retries, m.error_status]),
      [
        [1, 2, 500],
        [2, 2, 500],
      ],
    );
    const [r] = results(items);
    assert.equal(r.is_error, true);
    assert.equal(r.api_error_status, 500);
    assert.match(end(items).threw, /API Error: 500/);
  });

  test(`${line}: /compact and auto-compaction give compact_boundary with their trigger`, async () => {
    const manual = await run('compact');
    assert.equal(system(manual, 'compact_boundary')[0].compact_metadata.trigger, 'manual');
    assert.equal(results(manual).length, 3);
    assert.match(results(manual)[2].result, /Done: compact$/);
    const auto = await run('huge-context');
    const meta = system(auto, 'compact_boundary')[0].compact_metadata;
    assert.equal(meta.trigger, 'auto');
    assert.ok(meta.pre_tokens > 190000);
    assert.match(results(auto)[0].result, /Done: huge-context$/);
  });

  test(`${line}: maxBudgetUsd ends the run with error_max_budget_usd`, async () => {
    const items = await run('budget');
    const [r] = results(items);
    assert.equal(r.subtype, 'error_max_budget_usd');
    assert.equal(r.total_cost_usd, 0.039);
    assert.match(end(items).threw, /Reached maximum budget/);
  });

  test(`${line}: denials and rewritten inputs reach the tool_result`, async () => {
    const hook = await run('deny-hook');
    assert.equal(toolResults(hook)[0].is_error, true);
    assert.match(toolResults(hook)[0].content, /Blocked by the recorder/);
    assert.equal(results(hook)[0].permission_denials.length, 1);
    const cut = await run('deny-can-use-tool');
    assert.equal(toolResults(cut)[0].content, 'Denied by the recorder (canUseTool answered deny)');
    assert.equal(results(cut)[0].permission_denials.length, 1);
    const rewritten = await run('updated-input-can-use-tool');
    assert.equal(toolResults(rewritten)[0].content, 'rewritten-by-can-use-tool');
  });
}

test('0.3: a refused prewarm claim: claimed rejects, the Query ends with a not_claimed error result', async () => {
  const sdkLine = await loadSdk('0.3');
  const { items } = await record('prewarm-refused', { model, sdkLine });
  assert.ok(items.some((i) => i.kind === 'note' && /^spare\.claimed rejected: cwd_not_found/.test(i.data.note)));
  const [r] = results(items);
  assert.equal(r.subtype, 'error_during_execution');
  assert.match(r.errors[0], /^not_claimed/);
  assert.match(end(items).threw, /not_claimed/);
});
