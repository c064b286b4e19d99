// Shared pieces of the end-to-end tests: the real collector (through the package's own `sentrial`
// bin), the scripted model server, and SDK options that keep the real CLI offline and hermetic.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export { startScriptedModel } from '../../tools/scripted-model/server.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'sentrial-test-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Directories made for SDK runs (a working directory and a CLI config each), removed when the test
// process exits: a run's CLI may still write to them while its test is ending.
const runDirs = [];
process.once('exit', () => {
  for (const dir of runDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory that lives until the test process exits. */
function runDir(prefix) {
  const { dir } = tempDir(prefix);
  runDirs.push(dir);
  return dir;
}

/**
 * Starts `sentrial serve` on an ephemeral port with a temporary SQLite file.
 * Resolves to { url, apiKey, dashboardUrl (the printed sign-in link), get(path), stop(), stderr() }.
 * `env` is added to the collector's environment (e.g. `RUST_LOG`), `args` to its command line
 * (e.g. `['--alert-interval-secs', '1']`).
 */
export async function startCollector({
  apiKey = 'test-key-' + Math.random().toString(36).slice(2),
  port = 0,
  db,
  databaseUrl,
  env = {},
  args = [],
} = {}) {
  const tmp = db || databaseUrl ? null : tempDir('sentrial-db-');
  const dbPath = db ?? (tmp ? path.join(tmp.dir, 'sentrial.db') : null);
  const store = databaseUrl ? ['--database-url', databaseUrl] : ['--db', dbPath];
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'bin', 'sentrial.js'),
      'serve',
      '--port',
      String(port),
      ...store,
      '--api-key',
      apiKey,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn', ...env } },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let dashboardUrl = null;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('collector did not start in 20 s: ' + stderr)), 20_000);
    const lines = createInterface({ input: child.stdout });
    let listening = null;
    lines.on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) listening = m[1];
      // The banner ends with the dashboard's sign-in link.
      const d = /^Dashboard: (http:\/\/\S+)/.exec(line);
      if (d) dashboardUrl = d[1];
      if (listening && dashboardUrl) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code}: ${stderr}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    tmp?.cleanup();
  };
  const get = async (p) => {
    const res = await fetch(url + p, { headers: { authorization: `Bearer ${apiKey}` } });
    const body = await res.json();
    if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  return { url, apiKey, dashboardUrl, dbPath, get, stop, child, stderr: () => stderr };
}

/**
 * Options for the real SDK that keep its CLI offline and out of the user's home: the scripted
 * model, no settings files, a private config dir, permission mode default with allowed tools
 * (the CLI refuses bypassPermissions as root).
 */
export function sdkOptions(modelUrl, { tools = [], cwd, ...extra } = {}) {
  const work = cwd ?? runDir('sentrial-cwd-');
  writeFileSync(path.join(work, 'notes.txt'), 'remember the milk\n');
  const config = runDir('sentrial-claude-');
  return {
    cwd: work,
    model: 'claude-sonnet-4-5',
    permissionMode: 'default',
    allowedTools: tools,
    settingSources: [],
    env: {
      ...process.env,
      ANTHROPIC_BASE_URL: modelUrl,
      ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CONFIG_DIR: config,
      CLAUDE_CODE_TMPDIR: config,
    },
    ...extra,
  };
}

/** Drains an async iterable, collecting what it yields and what it threw. */
export async function drain(iterable, onMessage = () => {}) {
  const messages = [];
  let error = null;
  try {
    for await (const m of iterable) {
      messages.push(m);
      await onMessage(m, messages);
    }
  } catch (err) {
    error = err;
  }
  return { messages, error };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually(fn, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error('condition not met in time; last: ' + (last?.stack ?? JSON.stringify(last)));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
