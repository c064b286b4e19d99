// The OTLP/HTTP trace exporter (`otlp` option of SentrialClient), end to end through the native
// core: a fake query() replays a recorded SDK stream, the spans go to a local HTTP sink (or to a
// real `sentrial serve`), and are checked attribute by attribute.
// Run: node --test __test__/otlp.test.mjs
//
// JS has no OTLP protobuf types here, so spans are read with `protocol: 'http/json'`; the
// protobuf encoding is decoded and checked by the Rust tests (crates/sentrial-core/src/otlp).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot, startCollector } from './support/harness.mjs';

// No key and no OTel settings from the environment: each test says what it uses.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('OTEL_') || name.startsWith('SENTRIAL_')) delete process.env[name];
}

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require('../index.js');
const { otlpSettings, parseHeaders } = require('../lib/otlp.js');
const { fakeQuery, fixtureSteps, readFixture } = require('./support/fake-query.cjs');
const { version } = require('../package.json');

const FIXTURE_SESSION = '19163448-032f-411f-bf34-adeaf62e17c9';
const TASK = 'toolu_01GIxMm4NDqkLS0tfXzOejim';
const SUB_BASH = 'toolu_01LFHRuF3BNqBxOyxlAVoBvQ';

// --- helpers ------------------------------------------------------------------------------------

/** An HTTP sink on 127.0.0.1 recording every request (body un-gzipped); answers `statuses` in order, then 200. */
async function startSink(statuses = []) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.statusCode = statuses.length ? statuses.shift() : 200;
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A recorded stream (`__test__/fixtures/NAME.jsonl`) as fake-query steps. */
function fixture(name) {
  return fixtureSteps(readFixture(path.join(repoRoot, '__test__', 'fixtures', `${name}.jsonl`)));
}

/** Runs the wrapped fake query over `steps` to its end. */
async function runSession(client, steps, prompt = '[scenario:subagent] go') {
  const query = wrapClaudeAgent(fakeQuery(steps), {
    client,
    defaultAgent: 'fixture-agent',
    userId: 'user-1',
    convoId: 'convo-1',
    extraMetadata: { environment: 'test' },
  });
  for await (const _ of query({ prompt })) {
    // drained
  }
}

/** Every span of every OTLP JSON request, with `resource` and `scope` of its batch. */
function spansOf(requests) {
  const out = [];
  for (const r of requests) {
    const body = JSON.parse(r.body.toString('utf8'));
    for (const rs of body.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) out.push({ ...span, resource: rs.resource, scope: ss.scope });
      }
    }
  }
  return out;
}

/** An OTLP JSON AnyValue as a plain JS value. */
function anyValue(v) {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return v.arrayValue.values.map(anyValue);
  throw new Error('unexpected value ' + JSON.stringify(v));
}

function attrs(list) {
  const out = {};
  for (const kv of list) {
    assert.ok(!(kv.key in out), `${kv.key} twice`);
    out[kv.key] = anyValue(kv.value);
  }
  return out;
}

function named(spans, name) {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span named ${name}: ${spans.map((s) => s.name)}`);
  return found[0];
}

const messages = (role, text) => JSON.stringify([{ role, parts: [{ type: 'text', content: text }] }]);

// --- options ------------------------------------------------------------------------------------

describe('otlp options', () => {
  it('wrong options are TypeErrors at construction', () => {
    const bad = [
      [{ otlp: 'yes' }, /otlp must be true or an object/],
      [{ otlp: { endpoint: 'localhost:4318' } }, /otlp.endpoint must be an http\(s\) URL/],
      [{ otlp: { endpoint: 'ftp://collector:4318' } }, /otlp.endpoint must be an http\(s\) URL/],
      [{ otlp: { endpoint: 42 } }, /otlp.endpoint must be an http\(s\) URL.*number/],
      [
        { otlp: { endpoint: 'http://h:4318', protocol: 'grpc' } },
        /otlp.protocol must be 'http\/protobuf' or 'http\/json', got "grpc"/,
      ],
      [{ otlp: { endpoint: 'http://h:4318', headers: 'k=v' } }, /otlp.headers must be an object/],
      [{ otlp: { endpoint: 'http://h:4318', headers: { 'x-key': 5 } } }, /otlp.headers\["x-key"\] must be a string/],
      [{ otlp: { endpoint: 'http://h:4318', serviceName: '' } }, /otlp.serviceName must be a non-empty string/],
      // Caught by the core: a header name HTTP does not allow.
      [{ otlp: { endpoint: 'http://h:4318', headers: { 'bad name': 'v' } } }, /"bad name" is not a valid header name/],
    ];
    for (const [options, message] of bad) {
      assert.throws(
        () => new SentrialClient(options),
        (err) => err instanceof TypeError && message.test(err.message),
        JSON.stringify(options),
      );
    }
  });

  it('an error never shows a header value or URL credentials', () => {
    const err = (() => {
      try {
        new SentrialClient({ otlp: { endpoint: 'http://h:4318', headers: { 'x-key': 'TOPSECRET\nvalue' } } });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof TypeError);
    assert.match(err.message, /x-key/);
    assert.doesNotMatch(err.message, /TOPSECRET/);
    assert.throws(
      () => new SentrialClient({ otlp: { endpoint: 'ftp://user:PASSWORD1@h/?token=TOKEN1' } }),
      (e) => e instanceof TypeError && !/PASSWORD1|TOKEN1/.test(e.message),
    );
  });

  it('the OTEL_EXPORTER_OTLP_* variables fill in what the option leaves out', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=alpha%20one, api-key = k%3D1 ,broken',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'from-env',
    };
    assert.deepEqual(otlpSettings(true, env), {
      endpoint: 'http://base:4318',
      headers: { 'x-team': 'traces', 'api-key': 'k=1' },
      protocol: 'http/json',
      serviceName: 'from-env',
    });
    // The traces endpoint is used as is; the option wins over every variable.
    assert.equal(
      otlpSettings({}, { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/custom' }).tracesEndpoint,
      'http://t:1/custom',
    );
    assert.deepEqual(
      otlpSettings(
        { endpoint: 'http://mine:4318', headers: { a: 'b' }, protocol: 'http/protobuf', serviceName: 'svc' },
        env,
      ),
      { endpoint: 'http://mine:4318', headers: { a: 'b' }, protocol: 'http/protobuf', serviceName: 'svc' },
    );
    assert.equal(
      otlpSettings(
        {},
        {
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b',
        },
      ).protocol,
      'http/json',
    );
    // Off unless asked, and off (with a warning) when there is nowhere to send.
    assert.equal(otlpSettings(undefined, env), undefined);
    assert.equal(otlpSettings(false, env), undefined);
    assert.equal(otlpSettings(true, {}), undefined);
    assert.equal(otlpSettings(true, { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }), undefined);
    // A protocol variable this exporter cannot speak falls back to protobuf rather than throwing.
    assert.equal(
      otlpSettings(true, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).protocol,
      'http/protobuf',
    );
    assert.deepEqual(parseHeaders(''), {});
    // A pair HTTP cannot carry is left out (a warning), never a TypeError from the environment.
    assert.deepEqual(parseHeaders('bad name=1,ok=2,x=line%0Abreak'), { ok: '2' });
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'bad name=1';
    try {
      const c = new SentrialClient({ otlp: { endpoint: 'http://127.0.0.1:9' }, exitTimeoutMs: 0 });
      assert.equal(c.enabled, true);
      c.shutdown({ timeoutMs: 0 });
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
  });
});

// --- export -------------------------------------------------------------------------------------

describe('otlp export', () => {
  let sink;
  before(async () => {
    sink = await startSink();
  });
  after(async () => {
    await sink.close();
  });

  it('a recorded sub-agent run becomes one trace: session, model call and tool call spans (http/json, no collector)', async () => {
    sink.requests.length = 0;
    const client = new SentrialClient({
      otlp: {
        endpoint: sink.url,
        protocol: 'http/json',
        headers: { 'x-honeycomb-team': 'hc-key-1' },
        serviceName: 'svc-test',
      },
    });
    assert.equal(client.enabled, true, 'OTLP alone needs no API key');
    await runSession(client, fixture('subagent'));
    const flushed = await client.flush();
    assert.deepEqual(flushed, { delivered: 6, pending: 0, timedOut: false });

    assert.ok(sink.requests.length >= 1);
    for (const r of sink.requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/v1/traces');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['content-encoding'], 'gzip');
      assert.equal(r.headers['x-honeycomb-team'], 'hc-key-1');
      assert.equal(r.headers.authorization, undefined);
    }
    const spans = spansOf(sink.requests);
    assert.deepEqual(spans.map((s) => s.name).sort(), [
      'chat claude-sonnet-4-5',
      'chat claude-sonnet-4-5',
      'chat claude-sonnet-4-5',
      'execute_tool Agent',
      'execute_tool Bash',
      'invoke_agent fixture-agent',
    ]);
    for (const s of spans) {
      assert.deepEqual(attrs(s.resource.attributes), {
        'service.name': 'svc-test',
        'telemetry.sdk.name': '@sentrial/sdk',
        'telemetry.sdk.version': version,
        'telemetry.sdk.language': 'nodejs',
      });
      assert.deepEqual([s.scope.name, s.scope.version], ['@sentrial/sdk', version]);
    }

    const session = named(spans, 'invoke_agent fixture-agent');
    const a = attrs(session.attributes);
    const sessionId = a['sentrial.session.id'];
    assert.match(sessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(session.traceId, sessionId.replaceAll('-', ''), 'the trace id is the session id');
    assert.equal(session.kind, 1, 'SPAN_KIND_INTERNAL');
    assert.equal(session.parentSpanId, '');
    assert.deepEqual(session.status, { message: '', code: 0 }, 'STATUS_CODE_UNSET');
    assert.ok(BigInt(session.endTimeUnixNano) >= BigInt(session.startTimeUnixNano));
    assert.deepEqual(a, {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.agent.name': 'fixture-agent',
      'gen_ai.conversation.id': 'convo-1',
      'user.id': 'user-1',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      // modelUsage: 350 uncached + 4800 cache read + 5100 cache write
      'gen_ai.usage.input_tokens': 10250,
      'gen_ai.usage.output_tokens': 119,
      'gen_ai.usage.cache_read.input_tokens': 4800,
      'gen_ai.usage.cache_creation.input_tokens': 5100,
      'gen_ai.input.messages': messages('user', '[scenario:subagent] go'),
      'gen_ai.output.messages': messages('assistant', 'The sub-agent finished. Done: subagent'),
      'sentrial.session.id': sessionId,
      'sentrial.session.status': 'completed',
      'sentrial.claude_session_id': FIXTURE_SESSION,
      'sentrial.metadata': a['sentrial.metadata'],
      'sentrial.cost_usd': 0.0234,
      'sentrial.api_duration_ms': 104,
      'sentrial.num_turns': 2,
    });
    const metadata = JSON.parse(a['sentrial.metadata']);
    assert.equal(metadata.environment, 'test');

    // Every span is in the session's trace; the Task (Agent) call hangs under the session, and
    // the sub-agent's model call and Bash call under the Task call.
    for (const s of spans) assert.equal(s.traceId, session.traceId, s.name);
    const task = named(spans, 'execute_tool Agent');
    const bash = named(spans, 'execute_tool Bash');
    assert.equal(task.parentSpanId, session.spanId);
    assert.equal(bash.parentSpanId, task.spanId);
    const chats = spans.filter((s) => s.name === 'chat claude-sonnet-4-5');
    const chat = (id) => chats.find((s) => attrs(s.attributes)['gen_ai.response.id'] === id);
    assert.equal(chat('msg_015FwE75Vtpoqmgxed2aZDs4').parentSpanId, session.spanId);
    assert.equal(chat('msg_01lpzeFOVBqTmT6KhUrtxBlq').parentSpanId, session.spanId);
    const sub = chat('msg_016j7mOIbxuker5P73M8n0nx');
    assert.equal(sub.parentSpanId, task.spanId);
    assert.equal(sub.kind, 3, 'SPAN_KIND_CLIENT');
    assert.deepEqual(attrs(sub.attributes), {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.model': 'claude-sonnet-4-5',
      'gen_ai.response.id': 'msg_016j7mOIbxuker5P73M8n0nx',
      // 120 uncached + 0 cache read + 2400 cache write
      'gen_ai.usage.input_tokens': 2520,
      'gen_ai.usage.output_tokens': 1,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.cache_creation.input_tokens': 2400,
      // Without partial messages the stream shows the output count as the call started.
      'sentrial.usage.output_tokens_final': false,
      // What it did, as GenAI output messages: it called Bash.
      'gen_ai.output.messages': JSON.stringify([
        { parts: [{ id: SUB_BASH, name: 'Bash', type: 'tool_call' }], role: 'assistant' },
      ]),
      'sentrial.session.id': sessionId,
      'sentrial.parent_tool_use_id': TASK,
      // The main model call (0), the Task call (1), then this, the sub-agent's.
      'sentrial.position': 2,
    });
    const last = attrs(chat('msg_01lpzeFOVBqTmT6KhUrtxBlq').attributes);
    assert.equal(last['gen_ai.usage.input_tokens'], 55 + 2400 + 150);
    assert.equal(last['sentrial.parent_tool_use_id'], undefined);

    assert.equal(bash.kind, 1);
    assert.deepEqual(attrs(bash.attributes), {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.tool.name': 'Bash',
      'gen_ai.tool.call.id': SUB_BASH,
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.arguments': JSON.stringify({
        command: 'echo from-subagent',
        description: 'Echo from subagent',
      }),
      'gen_ai.tool.call.result': JSON.stringify({
        interrupted: false,
        isImage: false,
        noOutputExpected: false,
        stderr: '',
        stdout: 'from-subagent',
      }),
      'sentrial.tool.status': 'success',
      'sentrial.tool.seq': 1,
      'sentrial.session.id': sessionId,
      'sentrial.parent_tool_use_id': TASK,
      'sentrial.position': 3,
    });
    const t = attrs(task.attributes);
    assert.equal(t['gen_ai.tool.call.id'], TASK);
    assert.equal(t['sentrial.tool.seq'], 0);
    assert.equal(JSON.parse(t['gen_ai.tool.call.arguments']).subagent_type, 'general-purpose');
    assert.equal(JSON.parse(t['gen_ai.tool.call.result']).status, 'completed');

    const stats = client.stats();
    assert.equal(stats.produced, 0, 'no collector, no events');
    assert.deepEqual(
      [
        stats.otlp.produced,
        stats.otlp.delivered,
        stats.otlp.pending,
        stats.otlp.dropped,
        stats.otlp.sessionsDropped,
        stats.otlp.eventsSkipped,
      ],
      [6, 6, 0, 0, 0, 0],
    );
    await client.shutdown();
  });

  it('a failed tool call and a failed session carry an ERROR status (redacted like the collector sees them)', async () => {
    sink.requests.length = 0;
    const client = new SentrialClient({ otlp: { endpoint: `${sink.url}/v1/traces`, protocol: 'http/json' } });
    await runSession(client, fixture('tool-failure'), 'read it, password=hunter2hunter2');
    await client.flush();
    assert.ok(
      sink.requests.every((r) => r.url === '/v1/traces'),
      'an endpoint ending in /v1/traces is used as is',
    );
    const spans = spansOf(sink.requests);
    const failed = spans.filter((s) => s.name.startsWith('execute_tool') && s.status);
    assert.ok(failed.length >= 1, spans.map((s) => s.name).join());
    for (const s of failed) {
      const a = attrs(s.attributes);
      assert.equal(s.status.code, 2, 'STATUS_CODE_ERROR');
      assert.ok(s.status.message.length > 0);
      assert.equal(a['error.type'], 'error');
      assert.equal(a['sentrial.tool.status'], 'error');
    }
    const session = spans.find((s) => s.name.startsWith('invoke_agent'));
    const input = JSON.parse(attrs(session.attributes)['gen_ai.input.messages'])[0].parts[0].content;
    assert.doesNotMatch(input, /hunter2/, 'redacted before export');
    assert.match(input, /\[REDACTED:/);
    await client.shutdown();

    // A session whose stream ended without a result failed: ERROR with the reason.
    sink.requests.length = 0;
    const c2 = new SentrialClient({ otlp: { endpoint: sink.url, protocol: 'http/json' } });
    const steps = fixture('hello').filter((s) => s.message?.type !== 'result');
    await runSession(c2, steps, 'hi');
    await c2.flush();
    const s2 = spansOf(sink.requests).find((s) => s.name.startsWith('invoke_agent'));
    assert.deepEqual(s2.status, { message: 'the stream ended without a result', code: 2 });
    // Its class is its end reason.
    assert.equal(attrs(s2.attributes)['error.type'], 'no_result');
    assert.equal(attrs(s2.attributes)['sentrial.session.status'], 'failed');
    await c2.shutdown();
  });

  it('protobuf is the default encoding', async () => {
    sink.requests.length = 0;
    const client = new SentrialClient({ otlp: { endpoint: sink.url } });
    await runSession(client, fixture('hello'), 'hi');
    await client.flush();
    assert.ok(sink.requests.length >= 1);
    for (const r of sink.requests) {
      assert.equal(r.headers['content-type'], 'application/x-protobuf');
      assert.equal(r.headers['content-encoding'], 'gzip');
    }
    // Protobuf keeps strings as they are: the span names are in the body.
    const body = Buffer.concat(sink.requests.map((r) => r.body)).toString('latin1');
    assert.match(body, /invoke_agent fixture-agent/);
    assert.match(body, /chat claude-/);
    assert.equal(client.stats().otlp.delivered, client.stats().otlp.produced);
    await client.shutdown();
  });

  it('otlp: true reads the endpoint and headers from the environment', async () => {
    sink.requests.length = 0;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = sink.url;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-env-key=env%20value';
    try {
      const client = new SentrialClient({ otlp: true });
      await runSession(client, fixture('hello'), 'hi');
      await client.flush();
      assert.ok(sink.requests.length >= 1);
      for (const r of sink.requests) {
        assert.equal(r.url, '/v1/traces');
        assert.equal(r.headers['x-env-key'], 'env value');
      }
      await client.shutdown();
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
  });
});

// --- failures and exit, in child processes (their stderr and exit are what is checked) ----------

/** Runs `code` (an ES module body; `SINK` is the sink URL) in a child node; resolves { code, stdout, stderr }. */
function child(code, sinkUrl, env = {}) {
  const prelude = `
    import { createRequire } from 'node:module';
    const require = createRequire(${JSON.stringify(path.join(repoRoot, '__test__', 'x.mjs'))});
    const { SentrialClient, wrapClaudeAgent } = require('../index.js');
    const { fakeQuery } = require('./support/fake-query.cjs');
    const SINK = ${JSON.stringify(sinkUrl)};
    const steps = ${JSON.stringify(fixture('hello'))};
    async function run(client) {
      const q = wrapClaudeAgent(fakeQuery(steps), { client, defaultAgent: 'child-agent' });
      for await (const _ of q({ prompt: 'hi' })) {}
    }
  `;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', prelude + code], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('otlp failures and exit', () => {
  it('a refused endpoint (401) is warned about once, not retried, counted; header values are never logged', async () => {
    const sink = await startSink([401, 401, 401, 401]);
    try {
      const out = await child(
        `
        const client = new SentrialClient({ otlp: { endpoint: SINK, headers: { 'x-api-key': 'HEADER-SECRET-VALUE-42' } } });
        await run(client);
        await run(client);
        await client.flush();
        console.log(JSON.stringify(client.stats().otlp));
        `,
        sink.url,
        { SENTRIAL_DEBUG: '1' },
      );
      assert.equal(out.code, 0, out.stderr);
      const stats = JSON.parse(out.stdout);
      assert.ok(stats.produced >= 4, out.stdout);
      assert.equal(stats.droppedUnauthorized, stats.produced);
      assert.deepEqual([stats.delivered, stats.pending, stats.retried], [0, 0, 0]);
      const warnings = out.stderr
        .split('\n')
        .filter((l) => l.includes('the OTLP endpoint refused the request (HTTP 401)'));
      assert.equal(warnings.length, 1, out.stderr);
      assert.match(warnings[0], /otlp\.headers or OTEL_EXPORTER_OTLP_HEADERS/);
      assert.match(out.stderr, /client started/, 'debug output was on');
      assert.match(out.stderr, /x-api-key/, 'the header name may be shown');
      assert.doesNotMatch(out.stderr, /HEADER-SECRET-VALUE-42/);
      // Not retried: one request per batch (the two sessions' spans fit in one or two batches).
      assert.ok(sink.requests.length >= 1 && sink.requests.length <= 2, `${sink.requests.length} requests`);
      assert.ok(sink.requests.every((r) => r.headers['x-api-key'] === 'HEADER-SECRET-VALUE-42'));
    } finally {
      await sink.close();
    }
  });

  it('a 503 is retried until the endpoint takes the spans', async () => {
    const sink = await startSink([503, 503]);
    try {
      const out = await child(
        `
        const client = new SentrialClient({ otlp: { endpoint: SINK } });
        await run(client);
        const flushed = await client.flush({ timeoutMs: 5000 });
        console.log(JSON.stringify({ flushed, otlp: client.stats().otlp }));
        `,
        sink.url,
      );
      assert.equal(out.code, 0, out.stderr);
      const { flushed, otlp } = JSON.parse(out.stdout);
      assert.equal(flushed.timedOut, false);
      assert.equal(otlp.delivered, otlp.produced);
      assert.equal(otlp.retried, 2);
      assert.equal(sink.requests.length, 3);
      assert.deepEqual(sink.requests[0].body, sink.requests[2].body, 'the same spans, sent again');
    } finally {
      await sink.close();
    }
  });

  for (const [how, code] of [
    ['the event loop empties', ''],
    ['process.exit(0)', 'process.exit(0);'],
  ]) {
    it(`spans pending when the host exits (${how}) are delivered`, async () => {
      const sink = await startSink();
      try {
        const out = await child(
          `
          const client = new SentrialClient({ otlp: { endpoint: SINK }, flushIntervalMs: 60000 });
          await run(client);
          ${code}
          `,
          sink.url,
        );
        assert.equal(out.code, 0, out.stderr);
        assert.ok(sink.requests.length >= 1, 'the exit flush sent the spans');
        const body = Buffer.concat(sink.requests.map((r) => r.body)).toString('latin1');
        assert.match(body, /invoke_agent child-agent/);
      } finally {
        await sink.close();
      }
    });
  }

  it('a host whose OTLP endpoint never answers still exits, within exitTimeoutMs', async () => {
    // A listening socket that never answers.
    const server = http.createServer(() => {});
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const out = await child(
        `
        const client = new SentrialClient({ otlp: { endpoint: SINK }, exitTimeoutMs: 500, requestTimeoutMs: 10000 });
        await run(client);
        `,
        `http://127.0.0.1:${server.address().port}`,
      );
      assert.equal(out.code, 0, out.stderr);
      assert.ok(Date.now() - started < 8000, `exited after ${Date.now() - started} ms`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

// --- round trip through the real collector ------------------------------------------------------

describe('otlp round trip through sentrial serve', () => {
  let viaBatch;
  let viaTraces;
  before(async () => {
    [viaBatch, viaTraces] = await Promise.all([startCollector(), startCollector()]);
  });
  after(async () => {
    await Promise.all([viaBatch?.stop(), viaTraces?.stop()]);
  });

  it('a session read back from OTLP spans equals the one delivered by the Sentrial protocol', async () => {
    // An empty export is a valid request: the endpoint must be there and answer it.
    const probe = await fetch(`${viaTraces.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${viaTraces.apiKey}` },
      body: '{}',
    });
    assert.equal(probe.status, 200, 'the collector answers POST /v1/traces');
    // One client, both ways: events to one collector, spans to the other.
    const client = new SentrialClient({
      apiKey: viaBatch.apiKey,
      apiUrl: viaBatch.url,
      otlp: { endpoint: viaTraces.url, headers: { authorization: `Bearer ${viaTraces.apiKey}` } },
    });
    await runSession(client, fixture('subagent'));
    const flushed = await client.flush();
    assert.equal(flushed.timedOut, false);
    const stats = client.stats();
    assert.equal(stats.delivered, stats.produced);
    assert.equal(stats.otlp.delivered, stats.otlp.produced);

    const list = await viaBatch.get('/api/sessions?agent=fixture-agent');
    assert.equal(list.sessions.length, 1);
    const id = list.sessions[0].id;
    const a = await viaBatch.get(`/api/sessions/${id}`);
    const b = await viaTraces.get(`/api/sessions/${id}`);

    // What OTLP carries (the SDK's own duration measures, result turns, per-model usage and
    // sub-agent records are not in the spans).
    const session = (s) => {
      return Object.fromEntries(
        [
          'id',
          'claude_session_id',
          'agent',
          'user_id',
          'convo_id',
          'status',
          'failure_reason',
          'started_at',
          'ended_at',
          'api_duration_ms',
          'num_turns',
          'model',
          'input',
          'output',
          'metadata',
          'prompt_tokens',
          'completion_tokens',
          'total_tokens',
          'cache_read_tokens',
          'cache_creation_tokens',
          'cost_usd',
          'tool_call_count',
        ].map((k) => [k, s[k]]),
      );
    };
    const tools = (d) =>
      d.tool_calls.map(({ duration_ms: _d, subagent: _s, ...rest }) => rest).sort((x, y) => x.seq - y.seq);
    const models = (d) => [...d.model_calls].sort((x, y) => x.message_id.localeCompare(y.message_id));
    // Not two empty records: the protocol's session is the fixture's.
    assert.deepEqual(
      [a.status, a.input, a.cost_usd, a.cache_read_tokens, a.num_turns],
      ['completed', '[scenario:subagent] go', 0.0234, 4800, 2],
    );
    assert.ok(a.started_at && a.ended_at && a.claude_session_id === FIXTURE_SESSION);
    assert.deepEqual(session(b), session(a));
    assert.equal(a.tool_calls.length, 2);
    assert.deepEqual(tools(b), tools(a));
    assert.equal(a.model_calls.length, 3);
    assert.deepEqual(models(b), models(a));
    await client.shutdown();
  });
});
