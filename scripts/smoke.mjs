// Smoke test of a prebuilt binary on the platform it was built for (release workflow): the addon
// loads, `sentrial serve` starts from the package's bin, a tracked run is delivered and reads back.
// Needs only this checkout's JS and the built `sentrial.<platform>.node`; no npm install, no Claude.
//
//   node scripts/smoke.mjs

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require(root);
const { loadError, platformName } = require(path.join(root, 'lib', 'native.js'));

function fail(message) {
  console.error(`smoke ${platformName()}: FAILED: ${message}`);
  process.exit(1);
}

if (loadError) fail(loadError.message);
const dir = mkdtempSync(path.join(tmpdir(), 'sentrial-smoke-'));
const apiKey = 'smoke-' + Math.random().toString(36).slice(2);
const collector = spawn(
  process.execPath,
  [
    path.join(root, 'bin', 'sentrial.js'),
    'serve',
    '--port',
    '0',
    '--db',
    path.join(dir, 'smoke.db'),
    '--api-key',
    apiKey,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } },
);
try {
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('collector did not start in 30 s')), 30_000);
    createInterface({ input: collector.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    collector.on('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
  const client = new SentrialClient({ apiKey, apiUrl: url });
  if (!client.enabled) fail('tracking is off');
  async function* fakeQuery() {
    yield { type: 'system', subtype: 'init', session_id: 'smoke', model: 'claude-sonnet-4-5', tools: [] };
    yield { type: 'result', subtype: 'success', is_error: false, result: 'ok', total_cost_usd: 0.001, modelUsage: {} };
  }
  for await (const _ of wrapClaudeAgent(fakeQuery, { client, defaultAgent: 'smoke' })({ prompt: 'smoke test' })) {
    // drain
  }
  const flushed = await client.flush({ timeoutMs: 10_000 });
  if (flushed.pending !== 0) fail(`flush left ${flushed.pending} events: ${JSON.stringify(client.stats())}`);
  const res = await fetch(`${url}/api/sessions?agent=smoke`, { headers: { authorization: `Bearer ${apiKey}` } });
  const { sessions } = await res.json();
  if (sessions.length !== 1 || sessions[0].status !== 'completed' || sessions[0].input !== 'smoke test') {
    fail('unexpected sessions: ' + JSON.stringify(sessions));
  }
  console.log(`smoke ${platformName()}: ok (session ${sessions[0].id})`);
} finally {
  collector.kill();
  await new Promise((r) => (collector.exitCode === null ? collector.once('exit', r) : r()));
  rmSync(dir, { recursive: true, force: true });
}
