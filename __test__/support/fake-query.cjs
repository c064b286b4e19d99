'use strict';
// The one fake of the SDK's query() for the tests and the benchmarks that need no real SDK. Where
// a wrapper can tell, it behaves as the real one: a call returns a class instance that is an
// AsyncGenerator with its control methods on the prototype (they read a private field, so a
// wrapper that calls one with the wrong `this` fails), and options.hooks run the way the CLI runs
// them (each matching matcher's callbacks in order; one that throws is recorded and the others
// still run). CommonJS, so a `node -e` child process and a worker thread can load it too.
//
// A script is an iterable of steps (an array, or a generator that builds them as they are read):
//   { message }                        yielded to the caller
//   { hook: EVENT, input, toolUseID? } options.hooks[EVENT] called (toolUseID: their 2nd argument,
//                                      input.tool_use_id when not given)
//   { canUseTool: { toolName, input, options } }  options.canUseTool called, its answer recorded
//   { throw: value }                   next() rejects with it, and the run is over
//   { run: (q) => ... }                awaited there: what a caller does in the middle of a run
//   { promptTurn: true }               one message of a streamed prompt read (readPrompt: 'steps')

const { readFileSync } = require('node:fs');

// The signal every callback is given: one for all, so a call allocates nothing of the fake's own.
const SIGNAL = new AbortController().signal;

class FakeQuery {
  #secret = `private-${Math.random().toString(36).slice(2)}`;
  #steps;
  #done = false;
  #pace;
  #record;
  #prompt = null;

  /**
   * `params`: what query() was called with. `steps`: the script. Options: `pace(step)`, awaited
   * before each step; `record` (default true): keep `yielded` and `hookResults` (a benchmark
   * turns it off); `readPrompt`: a streamed prompt is read on its own while the caller iterates,
   * as the CLI reads it ('concurrent', the default), or one message per `promptTurn` step ('steps').
   */
  constructor(params, steps, { pace, record = true, readPrompt = 'concurrent' } = {}) {
    this.#steps = steps[Symbol.iterator]();
    this.#pace = pace;
    this.#record = record;
    this.params = params;
    this.options = (params && params.options) || {};
    this.yielded = [];
    this.hookResults = [];
    this.hookErrors = [];
    this.decisions = [];
    this.returnCalls = [];
    this.throwCalls = [];
    this.promptSeen = [];
    this.promptDone = null;
    const prompt = params && params.prompt;
    if (prompt != null && typeof prompt !== 'string' && typeof prompt[Symbol.asyncIterator] === 'function') {
      this.#prompt = prompt[Symbol.asyncIterator]();
      if (readPrompt === 'concurrent') this.promptDone = this.#readPrompt(Infinity);
    }
  }

  /** A getter reading a private field. */
  get secret() {
    return this.#secret;
  }

  async next() {
    while (!this.#done) {
      const { value: step, done } = this.#steps.next();
      if (done) break;
      if (this.#pace !== undefined) await this.#pace(step);
      if (step.message !== undefined) {
        if (this.#record) this.yielded.push(step.message);
        return { value: step.message, done: false };
      }
      // Hooks, the other step every run has, first: one call less.
      if (step.hook !== undefined) await this.#runHooks(step);
      else await this.#play(step);
    }
    this.#done = true;
    return { value: undefined, done: true };
  }

  async #play(step) {
    if (step.canUseTool !== undefined) return this.#askCanUseTool(step.canUseTool);
    if ('throw' in step) {
      this.#done = true;
      throw step.throw;
    }
    if (step.run !== undefined) return step.run(this);
    if (step.promptTurn) return this.#readPrompt(1);
    throw new Error(`fake query: a step of no known kind (${Object.keys(step).join(', ')})`);
  }

  async #runHooks(step) {
    const event = step.hook;
    const matchers = this.options.hooks && this.options.hooks[event];
    if (!matchers) return;
    const input = step.input;
    const toolUseID = step.toolUseID === undefined ? input && input.tool_use_id : step.toolUseID;
    for (const m of matchers) {
      if (m.matcher && !new RegExp(`^(?:${m.matcher})$`).test(input.tool_name)) continue;
      for (const hook of m.hooks) {
        let res;
        try {
          res = await hook(input, toolUseID, { signal: SIGNAL });
        } catch (err) {
          this.hookErrors.push(err);
          continue;
        }
        if (this.#record) this.hookResults.push({ event, res });
      }
    }
  }

  async #askCanUseTool({ toolName, input, options }) {
    if (typeof this.options.canUseTool !== 'function') return;
    this.decisions.push(await this.options.canUseTool(toolName, input, { ...options, signal: SIGNAL }));
  }

  async #readPrompt(count) {
    for (let i = 0; i < count && this.#prompt !== null; i++) {
      const r = await this.#prompt.next();
      if (r.done) this.#prompt = null;
      else this.promptSeen.push(r.value);
    }
  }

  async return(value) {
    this.returnCalls.push(value);
    this.#done = true;
    return { value, done: true };
  }

  async throw(err) {
    this.throwCalls.push(err);
    this.#done = true;
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  async interrupt() {
    // Reads a private field: a TypeError unless `this` is the real instance.
    return `interrupted:${this.#secret}`;
  }

  async setPermissionMode(mode) {
    this.mode = mode;
    return { mode, secret: this.#secret };
  }

  async setModel(model) {
    this.model = model;
    return `model:${model}`;
  }

  async supportedCommands() {
    return [{ name: 'compact', description: 'Compact', argumentHint: '' }];
  }

  async supportedModels() {
    return [];
  }

  async mcpServerStatus() {
    return [];
  }

  async accountInfo() {
    return {};
  }

  async streamInput(stream) {
    let n = 0;
    for await (const _ of stream) n++;
    return n;
  }

  close() {
    this.#done = true;
  }
}

/**
 * A query() function whose every call plays `script` (or `script(params)` when it is a function),
 * with FakeQuery's `options`. `query.calls` holds the FakeQuery of each call, in order.
 */
function fakeQuery(script, options) {
  const calls = [];
  const query = (params) => {
    const q = new FakeQuery(params, typeof script === 'function' ? script(params) : script, options);
    calls.push(q);
    return q;
  };
  query.calls = calls;
  return query;
}

/** The lines of a recorded fixture (`__test__/fixtures/…jsonl`, format in tools/scripted-model/README.md). */
function readFixture(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** A fixture's messages and hook calls as steps, in their recorded order. */
function fixtureSteps(lines) {
  return lines.flatMap((l) => {
    if (l.kind === 'message') return [{ message: l.data }];
    if (l.kind === 'hook') return [{ hook: l.event, input: l.data }];
    return [];
  });
}

/** A realistic run: init, a Bash call reported by PostToolUse, a Read reported by its tool_result. */
function toolRun({ bashInput, bashOutput, readOutput, result = 'done', extra = [] } = {}) {
  const base = { session_id: 'claude-1', transcript_path: '/tmp/t.jsonl', cwd: '/tmp/work' };
  return [
    {
      message: {
        type: 'system',
        subtype: 'init',
        session_id: 'claude-1',
        model: 'claude-sonnet-4-5',
        cwd: '/tmp/work',
        tools: ['Bash', 'Read'],
      },
    },
    {
      message: {
        type: 'assistant',
        parent_tool_use_id: null,
        message: {
          id: 'msg_1',
          model: 'claude-sonnet-4-5',
          content: [
            { type: 'tool_use', id: 'toolu_bash', name: 'Bash', input: bashInput ?? { command: 'cat .env' } },
            { type: 'tool_use', id: 'toolu_read', name: 'Read', input: { file_path: '/tmp/work/id_rsa' } },
          ],
          usage: { input_tokens: 10, output_tokens: 5 },
        },
      },
    },
    {
      hook: 'PreToolUse',
      input: {
        ...base,
        hook_event_name: 'PreToolUse',
        tool_name: 'Bash',
        tool_input: bashInput ?? { command: 'cat .env' },
        tool_use_id: 'toolu_bash',
      },
    },
    {
      hook: 'PostToolUse',
      input: {
        ...base,
        hook_event_name: 'PostToolUse',
        tool_name: 'Bash',
        tool_input: bashInput ?? { command: 'cat .env' },
        tool_response: { stdout: bashOutput ?? 'ok', stderr: '', interrupted: false, isImage: false },
        tool_use_id: 'toolu_bash',
        duration_ms: 7,
      },
    },
    {
      message: {
        type: 'user',
        parent_tool_use_id: null,
        message: {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_bash', content: bashOutput ?? 'ok' },
            { type: 'tool_result', tool_use_id: 'toolu_read', content: readOutput ?? 'file' },
          ],
        },
      },
    },
    ...extra,
    {
      message: {
        type: 'result',
        subtype: 'success',
        is_error: false,
        result,
        num_turns: 2,
        duration_ms: 30,
        duration_api_ms: 20,
        total_cost_usd: 0.0123,
        usage: { input_tokens: 10, output_tokens: 5 },
        modelUsage: {
          'claude-sonnet-4-5': {
            inputTokens: 10,
            outputTokens: 5,
            cacheReadInputTokens: 0,
            cacheCreationInputTokens: 0,
            costUSD: 0.0123,
          },
        },
      },
    },
  ];
}

module.exports = { FakeQuery, fakeQuery, readFixture, fixtureSteps, toolRun };
