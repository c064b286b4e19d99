// Data safety end to end: secrets in prompts, tool inputs and outputs, final outputs and metadata
// never reach the collector (its API, its database file) nor any log line; privacy modes; the
// user's redact function and patterns; and bad input of every kind, with its defined outcome.
// A fake query() (support/fake-query.cjs) drives the wrapper; the collector is the real one.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot, startCollector, eventually, drain, tempDir } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require('../index.js');
const { fakeQuery, toolRun } = require('./support/fake-query.cjs');

// Fake secrets in the providers' formats, split so no scanner takes this file for a leak.
const S = {
  anthropic_key: 'sk-ant-' + 'api03-FAKEfake0123456789abcdefghijklmnopqrstuvwxyz',
  openai_key: 'sk-' + 'proj-FAKEfake0123456789_abcdefghijklmnop',
  aws_access_key: 'AKIA' + 'IOSFODNN7EXAMPLE',
  aws_secret_key: 'wJalrXUtnFEMI/K7MDENG/' + 'bPxRfiCYEXAMPLEKEY',
  github_token: 'ghp_' + 'FAKEfake0123456789abcdefghijklmnopqr',
  slack_token: 'xoxb-' + '0000000000-0000000000000-FAKEfakeFAKE',
  stripe_key: 'sk_' + 'live_FAKEfake0123456789abcdef',
  google_api_key: 'AIza' + 'SyFAKE_fake-0123456789abcdefghijklm',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.' + 'eyJzdWIiOiJGQUtFLXVzZXIifQ.FAKEsig_0123456789',
  private_key: 'MIIEpAIBAAKCAQEA' + 'FAKEFAKEFAKEprivatekeybody',
  authorization: 'FAKEopaqueBearer' + '0123456789',
  url_password: 'FAKEdbPass' + 'word42',
  secret_value: 'FAKEhunter' + '2xyz',
  password: 'FAKEmetaPass' + '99',
  token: 'FAKEghTokenUnderKey' + '00',
};

function secretRun() {
  return {
    prompt: `Deploy with ${S.anthropic_key}; fallback ${S.openai_key}`,
    script: toolRun({
      bashInput: {
        command: `curl -H "Authorization: Bearer ${S.authorization}" https://api.example.com`,
        env: { GITHUB_TOKEN: S.token },
      },
      bashOutput: [
        `AWS_ACCESS_KEY_ID=${S.aws_access_key}`,
        `AWS_SECRET_ACCESS_KEY=${S.aws_secret_key}`,
        `SLACK=${S.slack_token}`,
        `STRIPE=${S.stripe_key}`,
        `DB_PASSWORD=${S.secret_value}`,
        `DATABASE_URL=postgres://app:${S.url_password}@db:5432/app`,
      ].join('\n'),
      readOutput: `-----BEGIN RSA PRIVATE KEY-----\n${S.private_key}\n-----END RSA PRIVATE KEY-----\n`,
      result: `Used ${S.google_api_key} and the session ${S.jwt}`,
    }),
    metadata: { deploy: { password: S.password }, note: `pushed with ${S.github_token}` },
  };
}

const MARKERS = [
  'anthropic_key',
  'openai_key',
  'aws_access_key',
  'aws_secret_key',
  'github_token',
  'slack_token',
  'stripe_key',
  'google_api_key',
  'jwt',
  'private_key',
  'authorization',
  'url_password',
  'secret_value',
  'password',
  'token',
].map((k) => `[REDACTED:${k}]`);

function dbBytes(dbPath) {
  let text = readFileSync(dbPath).toString('latin1');
  if (existsSync(dbPath + '-wal')) text += readFileSync(dbPath + '-wal').toString('latin1');
  return text;
}

async function sessionOf(collector, agent) {
  const list = await eventually(async () => {
    const l = await collector.get(`/api/sessions?agent=${encodeURIComponent(agent)}`);
    return l.sessions.length === 1 && l.sessions[0].status !== 'running' && l;
  });
  return collector.get(`/api/sessions/${list.sessions[0].id}`);
}

function client(collector, extra = {}) {
  return new SentrialClient({
    apiKey: collector.apiKey,
    apiUrl: collector.url,
    flushIntervalMs: 20,
    exitTimeoutMs: 0,
    ...extra,
  });
}

async function run(c, agent, { prompt = 'hi', script, metadata, hooks } = {}) {
  const query = fakeQuery(script);
  const tracked = wrapClaudeAgent(query, { client: c, defaultAgent: agent, extraMetadata: metadata });
  const res = await drain(tracked({ prompt, options: hooks ? { hooks } : {} }));
  await c.flush({ timeoutMs: 10_000 });
  return { ...res, query };
}

describe('secrets never leave the host', () => {
  let collector;
  let child;
  const tmp = tempDir('sentrial-security-');
  before(async () => {
    collector = await startCollector({
      db: path.join(tmp.dir, 'sentrial.db'),
      env: { RUST_LOG: 'sentrial_collector=trace,tower_http=trace' },
      apiKey: 'sk_sentrial_' + '0123456789abcdef'.repeat(3),
    });
    // In a child process, so SENTRIAL_DEBUG=1 is on from its start and its stderr can be read.
    const { prompt, script, metadata } = secretRun();
    const source = `
      const { SentrialClient, wrapClaudeAgent } = require(${JSON.stringify(path.join(repoRoot, 'index.js'))});
      const { fakeQuery } = require(${JSON.stringify(path.join(repoRoot, '__test__/support/fake-query.cjs'))});
      (async () => {
        const client = new SentrialClient({ apiKey: process.env.K, apiUrl: process.env.U, flushIntervalMs: 20 });
        const tracked = wrapClaudeAgent(fakeQuery(${JSON.stringify(script)}), { client, defaultAgent: 'secrets', extraMetadata: ${JSON.stringify(metadata)} });
        for await (const m of tracked({ prompt: ${JSON.stringify(prompt)} })) {}
        await client.flush({ timeoutMs: 10000 });
        console.log(JSON.stringify(client.stats()));
      })();
    `;
    child = spawnSync(process.execPath, ['-e', source], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, SENTRIAL_DEBUG: '1', K: collector.apiKey, U: collector.url },
    });
  });
  after(async () => {
    await collector?.stop();
    tmp.cleanup();
  });

  it('the run was delivered, and debug logging was on', () => {
    assert.equal(child.status, 0, child.stderr);
    const stats = JSON.parse(child.stdout);
    assert.equal(stats.delivered, stats.produced, child.stdout);
    assert.match(child.stderr, /batch delivered/);
  });

  it('the stored session holds markers in place of every secret', async () => {
    const session = await sessionOf(collector, 'secrets');
    const text = JSON.stringify(session);
    for (const [kind, secret] of Object.entries(S)) assert.ok(!text.includes(secret), `${kind} stored: ${text}`);
    for (const marker of MARKERS) assert.ok(text.includes(marker), `no ${marker} in ${text}`);
    // What is not a secret is kept.
    assert.equal(session.cost_usd, 0.0123);
    const bash = session.tool_calls.find((t) => t.tool_name === 'Bash');
    assert.equal(
      bash.input.command,
      'curl -H "Authorization: Bearer [REDACTED:authorization]" https://api.example.com',
    );
    assert.equal(bash.input.env.GITHUB_TOKEN, '[REDACTED:token]');
    assert.equal(session.input, 'Deploy with [REDACTED:anthropic_key]; fallback [REDACTED:openai_key]');
  });

  it("nothing of a secret is in the collector's database file", async () => {
    await collector.stop();
    const bytes = dbBytes(collector.dbPath);
    assert.ok(bytes.includes('REDACTED:anthropic_key'), 'the data is in the file searched');
    for (const [kind, secret] of Object.entries(S)) assert.ok(!bytes.includes(secret), `${kind} in the database`);
    assert.ok(!bytes.includes(collector.apiKey), 'the API key is stored in plain text');
  });

  it('no log line of the SDK or the collector holds a secret or the API key', () => {
    const logs = { sdk: child.stderr, collector: collector.stderr() };
    assert.ok(logs.collector.length > 0, 'collector logs were captured');
    for (const [who, text] of Object.entries(logs)) {
      for (const [kind, secret] of Object.entries(S)) assert.ok(!text.includes(secret), `${kind} in the ${who} log`);
      assert.ok(!text.includes(collector.apiKey), `API key in the ${who} log`);
      assert.ok(!text.includes('REDACTED'), `redacted content is not logged either (${who})`);
    }
  });
});

describe('privacy modes, extra patterns and the redact function', () => {
  let collector;
  before(async () => {
    collector = await startCollector();
  });
  after(() => collector?.stop());

  for (const [privacy, expect] of [
    ['no_inputs', { input: null, toolInput: null, toolOutput: 'kept', output: 'the answer', metadata: true }],
    ['no_outputs', { input: 'the prompt', toolInput: 'kept', toolOutput: null, output: null, metadata: true }],
    ['metadata_only', { input: null, toolInput: null, toolOutput: null, output: null, metadata: false }],
  ]) {
    it(`privacy '${privacy}' keeps counts, timings, tokens and cost only where it says`, async () => {
      const c = client(collector, { privacy });
      await run(c, `privacy-${privacy}`, {
        prompt: 'the prompt',
        script: toolRun({ bashInput: { command: 'ls' }, bashOutput: 'a.txt', result: 'the answer' }),
        metadata: { env: 'prod' },
      });
      const s = await sessionOf(collector, `privacy-${privacy}`);
      const bash = s.tool_calls.find((t) => t.tool_name === 'Bash');
      assert.equal(s.input, expect.input);
      assert.equal(s.output, expect.output);
      assert.deepEqual(bash.input, expect.toolInput && { command: 'ls' });
      assert.deepEqual(
        bash.output,
        expect.toolOutput && { stdout: 'a.txt', stderr: '', interrupted: false, isImage: false },
      );
      assert.equal(s.metadata.env === 'prod', expect.metadata, JSON.stringify(s.metadata));
      assert.equal(s.cost_usd, 0.0123);
      assert.equal(s.total_tokens, 15);
      assert.equal(bash.duration_ms, 7);
      assert.equal(s.tool_calls.length, 2);
      assert.equal(s.status, 'completed');
    });
  }

  it('extra patterns (string, RegExp, named) and a redact function apply to every text', async () => {
    const seen = [];
    const c = client(collector, {
      redact: {
        patterns: [/customer-\d{4}/i, { name: 'ticket', pattern: 'TICKET-[0-9]+' }],
        fn: (text) => {
          seen.push(text);
          return text.replaceAll('Project Falcon', '[codename]');
        },
      },
    });
    await run(c, 'custom', {
      prompt: 'Help Customer-1234 with TICKET-77 on Project Falcon',
      script: toolRun({ bashOutput: 'Project Falcon build for customer-9999 ok', result: 'done for TICKET-78' }),
      metadata: { codename: 'Project Falcon' },
    });
    const s = await sessionOf(collector, 'custom');
    assert.equal(s.input, 'Help [REDACTED:custom] with [REDACTED:ticket] on [codename]');
    assert.equal(s.output, 'done for [REDACTED:ticket]');
    assert.equal(s.metadata.codename, '[codename]');
    assert.equal(
      s.tool_calls.find((t) => t.tool_name === 'Bash').output.stdout,
      '[codename] build for [REDACTED:custom] ok',
    );
    assert.ok(seen.includes('Help Customer-1234 with TICKET-77 on Project Falcon'));
    assert.equal(c.stats().faults, 0);
  });

  it('the redact function sees long strings too (a 5,000-character output, by hook and by tool_result)', async () => {
    const secret = 'falcon-launch-code-' + 'x'.repeat(24);
    // Long enough to be lifted out of the JSON and handed over on its own (4,096 characters or more).
    const long = ('line of build output\n'.repeat(250) + secret + '\n').padEnd(5000, '.');
    assert.ok(long.length >= 5000);
    const seen = [];
    const fn = (t) => {
      seen.push(t.length);
      return t.replaceAll(secret, '[launch-code]');
    };
    const c = client(collector, { redact: { fn } });
    // The Bash output comes through its PostToolUse hook; the Read output only through its tool_result.
    await run(c, 'fn-long', { script: toolRun({ bashOutput: long, readOutput: long }) });
    const s = await sessionOf(collector, 'fn-long');
    const bash = s.tool_calls.find((t) => t.tool_name === 'Bash');
    const read = s.tool_calls.find((t) => t.tool_name === 'Read');
    for (const [what, text] of [
      ['hook', bash.output.stdout],
      ['tool_result', read.output],
    ]) {
      assert.equal(typeof text, 'string', what);
      assert.ok(!text.includes(secret), `${what}: the secret reached the collector`);
      assert.ok(text.includes('[launch-code]'), what);
      assert.equal(text.length, long.length - secret.length + '[launch-code]'.length, what);
    }
    assert.ok(
      seen.some((n) => n === long.length),
      'the function was given the long string itself',
    );
    assert.equal(c.stats().faults, 0);
  });

  it('the redacting session serves every method of the native session, and nothing else', () => {
    const { REDACTED_SESSION_METHODS } = require('../lib/redact.js');
    const raw = new SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9', exitTimeoutMs: 0 });
    const nativeSession = raw[Symbol.for('sentrial.native')].startSession({ agent: 'a', userId: 'u' });
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(nativeSession)).filter(
      (m) => m !== 'constructor' && typeof nativeSession[m] === 'function',
    );
    assert.deepEqual(
      [...REDACTED_SESSION_METHODS].sort(),
      methods.sort(),
      'a new native method must be listed (and redacted) in lib/redact.js',
    );
    nativeSession.discard();
    const redacting = new SentrialClient({
      apiKey: 'k',
      apiUrl: 'http://127.0.0.1:9',
      exitTimeoutMs: 0,
      redact: { fn: (t) => t },
    });
    const wrapped = redacting[Symbol.for('sentrial.native')].startSession({ agent: 'a', userId: 'u' });
    assert.deepEqual(Object.keys(wrapped).sort(), [...REDACTED_SESSION_METHODS].sort());
    assert.equal(wrapped.somethingNew, undefined, 'an unknown method is not forwarded');
    wrapped.discard();
    raw.shutdown({ timeoutMs: 100 });
    redacting.shutdown({ timeoutMs: 100 });
  });

  it('the redacting manual session serves every method of the native one, and nothing else', () => {
    const { REDACTED_MANUAL_METHODS } = require('../lib/redact.js');
    const raw = new SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9', exitTimeoutMs: 0 });
    const native = raw[Symbol.for('sentrial.native')].createSession('{}');
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(native)).filter(
      (m) => m !== 'constructor' && typeof native[m] === 'function',
    );
    assert.deepEqual(
      [...REDACTED_MANUAL_METHODS].sort(),
      methods.sort(),
      'a new native method must be listed (and redacted) in lib/redact.js',
    );
    const redacting = new SentrialClient({
      apiKey: 'k',
      apiUrl: 'http://127.0.0.1:9',
      exitTimeoutMs: 0,
      redact: { fn: (t) => t },
    });
    const wrapped = redacting[Symbol.for('sentrial.native')].createSession('{}');
    assert.deepEqual(Object.keys(wrapped).sort(), [...REDACTED_MANUAL_METHODS].sort());
    assert.equal(typeof wrapped.id, 'string');
    native.complete('{}');
    wrapped.complete('{}');
    raw.shutdown({ timeoutMs: 100 });
    redacting.shutdown({ timeoutMs: 100 });
  });

  it('a redact function that throws leaves a marker, is counted, and breaks nothing', async () => {
    const c = client(collector, {
      redact: {
        fn: (text) => {
          if (text.includes('boom')) throw new Error('user bug');
          return text.includes('num') ? 42 : text;
        },
      },
    });
    const { messages, error } = await run(c, 'fn-throws', {
      prompt: 'boom goes the prompt',
      script: toolRun({ bashOutput: 'num', result: 'fine' }),
    });
    assert.equal(error, null);
    assert.equal(messages.length, 4);
    const s = await sessionOf(collector, 'fn-throws');
    assert.equal(s.input, '[REDACTED:redact_function_failed]');
    assert.equal(s.tool_calls.find((t) => t.tool_name === 'Bash').output.stdout, '[REDACTED:redact_function_failed]');
    assert.equal(s.output, 'fine');
    assert.ok(c.stats().faults >= 2, JSON.stringify(c.stats()));
  });

  it('redaction can be turned off; the size cap still applies', async () => {
    const c = client(collector, { redact: { enabled: false } });
    await run(c, 'redact-off', {
      prompt: `key ${S.github_token}`,
      script: toolRun({ bashOutput: 'y'.repeat(300 * 1024) }),
    });
    const s = await sessionOf(collector, 'redact-off');
    assert.equal(s.input, `key ${S.github_token}`);
    assert.match(
      s.tool_calls.find((t) => t.tool_name === 'Bash').output.stdout,
      /…\[truncated by sentrial: 307200 bytes\]$/,
    );
  });
});

describe('bad input to the SDK: each has a defined outcome', () => {
  let collector;
  before(async () => {
    collector = await startCollector();
  });
  after(() => collector?.stop());

  it('a 50 MB tool output is stored cut with its original size; the host gets it whole', async () => {
    const big = 'x'.repeat(50 * 1024 * 1024);
    const c = client(collector);
    const started = Date.now();
    const { messages, error } = await run(c, 'big-output', { script: toolRun({ bashOutput: big }) });
    assert.equal(error, null);
    assert.equal(messages[2].message.content[0].content.length, big.length, 'the caller got the output whole');
    const s = await sessionOf(collector, 'big-output');
    const out = s.tool_calls.find((t) => t.tool_name === 'Bash').output.stdout;
    assert.ok(out.endsWith('…[truncated by sentrial: 52428800 bytes]'), out.slice(-80));
    assert.ok(out.length < 300 * 1024, String(out.length));
    assert.ok(Date.now() - started < 30_000);
    assert.equal(c.stats().dropped, 0);
  });

  it('lone surrogates in the prompt, tool output and metadata are stored as U+FFFD', async () => {
    const c = client(collector);
    const { error } = await run(c, 'surrogates', {
      prompt: 'lone \ud800 high',
      script: toolRun({ bashOutput: 'lone \udc00 low, pair \ud83d\ude00', result: 'end \ud83d' }),
      metadata: { s: 'x\udbff' },
    });
    assert.equal(error, null);
    const s = await sessionOf(collector, 'surrogates');
    assert.equal(s.input, 'lone \ufffd high');
    assert.equal(s.tool_calls.find((t) => t.tool_name === 'Bash').output.stdout, 'lone \ufffd low, pair \ud83d\ude00');
    assert.equal(s.output, 'end \ufffd');
    assert.equal(s.metadata.s, 'x\ufffd');
  });

  it('messages of unknown types or with fields missing pass through unchanged; the session is stored', async () => {
    const odd = [
      { type: 'future_kind', data: { x: 1 } },
      { type: 'assistant' },
      { type: 'assistant', message: null },
      { type: 'assistant', message: { content: 'not an array' } },
      { type: 'user', message: { content: [null, 7, { type: 'tool_result' }] } },
      { type: 'system' },
      { type: 'system', subtype: 'init' },
      { type: 'result' },
      { type: 'result', subtype: 42, usage: 'lots', modelUsage: [1, 2], total_cost_usd: 'free' },
      null,
      42,
      'text',
      {},
    ];
    const c = client(collector);
    const script = odd.map((message) => ({ message }));
    const { messages, error } = await run(c, 'odd-messages', { script });
    assert.equal(error, null);
    assert.deepEqual(messages, odd);
    const s = await sessionOf(collector, 'odd-messages');
    assert.ok(['completed', 'failed'].includes(s.status), s.status);
  });

  it('a message or hook input that cannot be serialized is skipped and counted in stats().faults', async () => {
    const cyclic = { type: 'assistant', message: { content: [] } };
    cyclic.message.self = cyclic;
    const withBigInt = { type: 'result', subtype: 'success', total_cost_usd: 1n };
    const hookInput = { hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: 'toolu_c', tool_response: {} };
    hookInput.tool_response.loop = hookInput;
    const c = client(collector);
    const { messages, error } = await run(c, 'unserializable', {
      script: [{ message: cyclic }, { message: withBigInt }, { hook: 'PostToolUse', input: hookInput }],
    });
    assert.equal(error, null);
    assert.equal(messages[0], cyclic);
    assert.equal(messages[1], withBigInt);
    assert.equal(c.stats().faults, 3, JSON.stringify(c.stats()));
    await sessionOf(collector, 'unserializable');
  });

  it('extraMetadata with a cycle, BigInt, function, symbol, Date, Map and Set is stored in a defined form', async () => {
    const meta = {
      n: 10n,
      f: function named() {},
      sym: Symbol('s'),
      d: new Date(0),
      m: new Map([['k', 1]]),
      set: new Set([1]),
    };
    meta.self = meta;
    const c = client(collector);
    await run(c, 'odd-metadata', { script: toolRun(), metadata: meta });
    const s = await sessionOf(collector, 'odd-metadata');
    const m = s.metadata;
    assert.deepEqual(
      { n: m.n, f: m.f, sym: m.sym, d: m.d, m: m.m, set: m.set, self: m.self },
      {
        n: '10',
        f: '[Function named]',
        sym: 'Symbol(s)',
        d: '1970-01-01T00:00:00.000Z',
        m: { k: 1 },
        set: [1],
        self: '[Circular]',
      },
    );
  });

  it("the user's PostToolUse matchers run first, one that throws changes nothing for tracking", async () => {
    const calls = [];
    const hooks = {
      PostToolUse: [
        {
          matcher: 'Bash',
          hooks: [
            async () => {
              calls.push('first');
              throw new Error('user hook failed');
            },
          ],
        },
        {
          hooks: [
            async (input) => {
              calls.push(`second:${input.tool_use_id}`);
              return {};
            },
          ],
        },
      ],
    };
    const c = client(collector);
    const { error, query } = await run(c, 'user-hooks', { script: toolRun(), hooks });
    assert.equal(error, null);
    assert.deepEqual(calls, ['first', 'second:toolu_bash']);
    assert.equal(query.calls[0].hookErrors.length, 1, 'the user error reached the SDK as it would unwrapped');
    assert.equal(query.calls[0].hookErrors[0].message, 'user hook failed');
    const s = await sessionOf(collector, 'user-hooks');
    assert.equal(s.tool_calls.find((t) => t.tool_name === 'Bash').status, 'success');
    assert.equal(c.stats().faults, 0);
  });

  it('programming errors are TypeErrors at construction or wrap time', () => {
    const bad = [
      () => new SentrialClient({ apiKey: 'k', privacy: 'everything' }),
      () => new SentrialClient({ apiKey: 'k', redact: 'yes' }),
      () => new SentrialClient({ apiKey: 'k', redact: { enabled: 'no' } }),
      () => new SentrialClient({ apiKey: 'k', redact: { patterns: 'sk-' } }),
      () => new SentrialClient({ apiKey: 'k', redact: { patterns: [42] } }),
      () => new SentrialClient({ apiKey: 'k', redact: { patterns: [''] } }),
      () => new SentrialClient({ apiKey: 'k', redact: { fn: 'redact' } }),
      // Valid in JS, not in the core's regex syntax (no look-behind): refused, never skipped.
      () => new SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9', redact: { patterns: [/(?<=id:)\d+/] } }),
      // Unicode property classes are left out of the addon (\w, \d and (?i) know every script): refused.
      () => new SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9', redact: { patterns: ['\\p{Greek}+'] } }),
      () => wrapClaudeAgent(undefined, { client: new SentrialClient({ apiKey: '' }) }),
      () => wrapClaudeAgent({ query() {} }, { client: new SentrialClient({ apiKey: '' }) }),
      () => wrapClaudeAgent(() => {}, {}),
      () => wrapClaudeAgent(() => {}, { client: { flush() {} } }),
    ];
    for (const f of bad) assert.throws(f, TypeError, String(f));
  });
});
