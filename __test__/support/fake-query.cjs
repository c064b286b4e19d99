'use strict';
// A fake query() for tests that need no real SDK: it yields a scripted list of messages and runs
// options.hooks the way the CLI does (each matcher's hooks in order; a hook that throws is
// recorded and the others still run). Loadable from a `node -e` child process (CommonJS).

class FakeQuery {
  constructor(params, script) {
    this.params = params;
    this.options = (params && params.options) || {};
    this.script = script;
    this.i = 0;
    this.hookErrors = [];
  }

  async runHooks(event, input) {
    for (const m of (this.options.hooks && this.options.hooks[event]) || []) {
      if (m.matcher && !new RegExp(`^(?:${m.matcher})$`).test(input.tool_name)) continue;
      for (const hook of m.hooks) {
        try {
          await hook(input, input.tool_use_id, { signal: new AbortController().signal });
        } catch (err) {
          this.hookErrors.push(err);
        }
      }
    }
  }

  async next() {
    while (this.i < this.script.length) {
      const step = this.script[this.i++];
      if (step.hook) {
        await this.runHooks(step.hook, step.input);
        continue;
      }
      return { value: step.message, done: false };
    }
    return { value: undefined, done: true };
  }

  async return() {
    this.i = this.script.length;
    return { value: undefined, done: true };
  }

  async throw(err) {
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** A query() function whose every call plays `script` (steps `{ message }` or `{ hook, input }`). */
function fakeQuery(script) {
  const calls = [];
  const query = (params) => {
    const q = new FakeQuery(params, typeof script === 'function' ? script(params) : script);
    calls.push(q);
    return q;
  };
  query.calls = calls;
  return query;
}

/** A realistic run: init, a Bash call reported by PostToolUse, a Read reported by its tool_result. */
function toolRun({ bashInput, bashOutput, readOutput, result = 'done', extra = [] } = {}) {
  const base = { session_id: 'claude-1', transcript_path: '/tmp/t.jsonl', cwd: '/tmp/work' };
  return [
    { message: { type: 'system', subtype: 'init', session_id: 'claude-1', model: 'claude-sonnet-4-5', cwd: '/tmp/work', tools: ['Bash', 'Read'] } },
    { message: { type: 'assistant', parent_tool_use_id: null, message: { id: 'msg_1', model: 'claude-sonnet-4-5', content: [
      { type: 'tool_use', id: 'toolu_bash', name: 'Bash', input: bashInput ?? { command: 'cat .env' } },
      { type: 'tool_use', id: 'toolu_read', name: 'Read', input: { file_path: '/tmp/work/id_rsa' } },
    ], usage: { input_tokens: 10, output_tokens: 5 } } } },
    { hook: 'PreToolUse', input: { ...base, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: bashInput ?? { command: 'cat .env' }, tool_use_id: 'toolu_bash' } },
    { hook: 'PostToolUse', input: { ...base, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: bashInput ?? { command: 'cat .env' }, tool_response: { stdout: bashOutput ?? 'ok', stderr: '', interrupted: false, isImage: false }, tool_use_id: 'toolu_bash', duration_ms: 7 } },
    { message: { type: 'user', parent_tool_use_id: null, message: { role: 'user', content: [
      { type: 'tool_result', tool_use_id: 'toolu_bash', content: bashOutput ?? 'ok' },
      { type: 'tool_result', tool_use_id: 'toolu_read', content: readOutput ?? 'file' },
    ] } } },
    ...extra,
    { message: { type: 'result', subtype: 'success', is_error: false, result, num_turns: 2, duration_ms: 30, duration_api_ms: 20, total_cost_usd: 0.0123,
      usage: { input_tokens: 10, output_tokens: 5 }, modelUsage: { 'claude-sonnet-4-5': { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUSD: 0.0123 } } } },
  ];
}

module.exports = { fakeQuery, toolRun };
