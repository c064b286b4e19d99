// Installed as users install it: the tarballs `npm pack` makes (the main package with the
// optionalDependencies a release adds, and the linux-x64-gnu platform package with the built
// binary) go into a fresh project outside this repo, with the real Claude Agent SDK and
// TypeScript, and everything a user does runs from there: ESM import, CommonJS require,
// `npx sentrial serve`, `tsc --strict` on a TypeScript example, a tracked run read back from the
// collector. Nothing may resolve back into the repo.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { repoRoot, startScriptedModel, tempDir } from './support/harness.mjs';
import { pack, platformPackages } from '../scripts/pack.mjs';

const rootPkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const platform = 'linux-x64-gnu';
const binaryName = `sentrial.${platform}.node`;
const SIZE_BUDGET = 8 * 1024 * 1024;
// The collector executable (`sentrial serve`), beside the addon in the platform package: not loaded by
// tracked processes, so its budget only catches a debug or unstripped build.
const COLLECTOR = 'sentrial-collector';
const COLLECTOR_BUDGET = 16 * 1024 * 1024;
const supported = process.platform === 'linux' && process.arch === 'x64';

let project; // the user's project: a temp dir outside the repo
let packed;
let model;
let collector; // { url, apiKey, child }
const cleanups = [];

/** process.env without what an enclosing `npm test` or the repo could leak into a user's shell. */
function userEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || ['NODE_PATH', 'NODE_OPTIONS', 'INIT_CWD', 'SENTRIAL_DEBUG', 'DEBUG'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs a command in the user's project, as the user's shell would. */
function run(cmd, args, { env, ...opts } = {}) {
  return spawnSync(cmd, args, { cwd: project, encoding: 'utf8', timeout: 300_000, ...opts, env: userEnv(env) });
}

/** The same without blocking this process, which serves the scripted model the agents talk to. */
function runAsync(cmd, args, { env, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: project, ...opts, env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function ok(res, what) {
  assert.equal(res.status, 0, `${what} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return res;
}

function isInside(dir, file) {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

before(async () => {
  if (!supported) return;
  assert.ok(
    existsSync(path.join(repoRoot, binaryName)),
    `${binaryName} is not built: run \`npm run build\` first (npm test does)`,
  );
  const dir = tempDir('sentrial-user-project-');
  cleanups.push(dir.cleanup);
  project = dir.dir;
  assert.ok(!isInside(repoRoot, project), 'the user project must be outside the repo');
  packed = pack(path.join(project, '.tarballs'));

  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'my-agent-app', version: '1.0.0', private: true }, null, 2),
  );
  const sdkVersion = rootPkg.devDependencies['@anthropic-ai/claude-agent-sdk'];
  const tsVersion = JSON.parse(
    readFileSync(path.join(repoRoot, 'node_modules', 'typescript', 'package.json'), 'utf8'),
  ).version;
  const platformTarball = packed.platforms.find((p) => p.name === `@sentrial/sdk-${platform}`);
  assert.ok(platformTarball, 'platform package packed');
  // As a user would, in one command; the SDK and TypeScript come from the npm cache the repo's
  // own install filled (@types/node, which the SDK's types need, from the registry if not cached).
  ok(
    run('npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      packed.main.file,
      platformTarball.file,
      `@anthropic-ai/claude-agent-sdk@${sdkVersion}`,
      `typescript@${tsVersion}`,
      '@types/node@20',
    ]),
    'npm install',
  );
  model = await startScriptedModel();
});

after(async () => {
  if (collector && collector.child.exitCode === null) {
    const exited = new Promise((r) => collector.child.once('exit', r));
    process.kill(-collector.child.pid, 'SIGTERM');
    await exited;
  }
  await model?.close();
  for (const c of cleanups) c();
});

describe('the packages', { skip: !supported && 'the prebuilt binary tested here is linux-x64-gnu' }, () => {
  it('main tarball: loader and types, no binary, optionalDependencies on all 7 platforms at its version', (t) => {
    const files = packed.main.files;
    for (const f of [
      'index.js',
      'index.d.ts',
      'binding.js',
      'binding.d.ts',
      'lib/native.js',
      'bin/sentrial.js',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
    ]) {
      assert.ok(files.includes(f), `${f} missing from the tarball: ${files}`);
    }
    assert.ok(!files.some((f) => f.endsWith('.node')), 'no binary in the main package');
    const installed = JSON.parse(readFileSync(path.join(project, 'node_modules/@sentrial/sdk/package.json'), 'utf8'));
    const expected = Object.fromEntries(platformPackages().map((p) => [p.name, rootPkg.version]));
    assert.deepEqual(installed.optionalDependencies, expected);
    assert.equal(Object.keys(expected).length, 7);
    // The npm/ dirs are exactly the package.json napi targets.
    const abi = {
      'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
      'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
      'x86_64-unknown-linux-musl': 'linux-x64-musl',
      'aarch64-unknown-linux-musl': 'linux-arm64-musl',
      'x86_64-apple-darwin': 'darwin-x64',
      'aarch64-apple-darwin': 'darwin-arm64',
      'x86_64-pc-windows-msvc': 'win32-x64-msvc',
    };
    assert.deepEqual(rootPkg.napi.targets.map((tr) => `@sentrial/sdk-${abi[tr]}`).sort(), Object.keys(expected).sort());
    assert.equal(installed.engines.node, '>= 18');
    assert.equal(installed.peerDependencies['@anthropic-ai/claude-agent-sdk'], '>=0.2.0');
    t.diagnostic(`@sentrial/sdk tarball: ${packed.main.size} bytes (${packed.main.unpackedSize} unpacked)`);
  });

  it(`platform tarball: the stripped addon within the ${SIZE_BUDGET / 1024 / 1024} MB budget, and the collector`, (t) => {
    const p = packed.platforms.find((x) => x.name === `@sentrial/sdk-${platform}`);
    assert.deepEqual(p.files, ['README.md', binaryName, COLLECTOR, 'package.json'].sort());
    const dir = path.join(project, 'node_modules/@sentrial', `sdk-${platform}`);
    const mib = (bytes) => (bytes / 1024 / 1024).toFixed(2);
    const [addon, collectorBytes] = [binaryName, COLLECTOR].map((f) => statSync(path.join(dir, f)).size);
    t.diagnostic(
      `${p.name} tarball: ${p.size} bytes; ${binaryName}: ${addon} bytes (${mib(addon)} MiB); ` +
        `${COLLECTOR}: ${collectorBytes} bytes (${mib(collectorBytes)} MiB)`,
    );
    // The addon is what every tracked process loads (and every serverless bundle carries).
    assert.ok(
      addon <= SIZE_BUDGET,
      `${binaryName} is ${addon} bytes, over the ${SIZE_BUDGET}-byte budget (a debug build? 'npm run build' makes the release one)`,
    );
    assert.ok(
      collectorBytes <= COLLECTOR_BUDGET,
      `${COLLECTOR} is ${collectorBytes} bytes, over ${COLLECTOR_BUDGET} (a debug build? 'npm run build' makes the release one)`,
    );
    assert.ok(statSync(path.join(dir, COLLECTOR)).mode & 0o100, `${COLLECTOR} is not executable`);
    for (const f of [binaryName, COLLECTOR]) {
      const sections = execFileSync('readelf', ['-S', '-W', path.join(dir, f)], { encoding: 'utf8' });
      assert.ok(!/\.symtab\b/.test(sections), `${f} still has its symbol table (not stripped)`);
      assert.ok(!/\.debug_info\b/.test(sections), `${f} has debug info`);
    }
  });
});

describe('used from a fresh project', { skip: !supported && 'linux-x64-gnu only' }, () => {
  it('ESM import works and everything resolves inside the project, the binary from the platform package', () => {
    writeFileSync(
      path.join(project, 'esm.mjs'),
      `import { SentrialClient, wrapClaudeAgent } from '@sentrial/sdk';
       import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       const client = new SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9' });
       const shared = process.report.getReport().sharedObjects.filter((f) => f.endsWith('.node'));
       console.log(JSON.stringify({
         types: [typeof SentrialClient, typeof wrapClaudeAgent],
         enabled: client.enabled,
         main: import.meta.resolve('@sentrial/sdk'),
         sdk: import.meta.resolve('@anthropic-ai/claude-agent-sdk'),
         loaded: Object.keys(require.cache),
         shared,
       }));`,
    );
    const res = ok(run(process.execPath, ['esm.mjs']), 'esm.mjs');
    const out = JSON.parse(res.stdout);
    assert.deepEqual(out.types, ['function', 'function']);
    assert.equal(out.enabled, true, 'the native binary loaded: ' + res.stderr);
    const files = [out.main, out.sdk].map((u) => new URL(u).pathname).concat(out.loaded, out.shared);
    for (const f of files) {
      assert.ok(isInside(project, f), `${f} is not inside the user project`);
      assert.ok(!isInside(repoRoot, f), `${f} resolves into the repo`);
    }
    assert.deepEqual(out.shared, [path.join(project, 'node_modules/@sentrial', `sdk-${platform}`, binaryName)]);
  });

  it('CommonJS require works', () => {
    writeFileSync(
      path.join(project, 'cjs.cjs'),
      `const sdk = require('@sentrial/sdk');
       const client = new sdk.SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9' });
       console.log(JSON.stringify({ keys: Object.keys(sdk).sort(), enabled: client.enabled, path: require.resolve('@sentrial/sdk') }));`,
    );
    const out = JSON.parse(ok(run(process.execPath, ['cjs.cjs']), 'cjs.cjs').stdout);
    assert.deepEqual(out.keys, ['SentrialClient', 'getSessionId', 'wrapClaudeAgent', 'wrapClaudeAgentSDK']);
    assert.equal(out.enabled, true);
    assert.equal(out.path, path.join(project, 'node_modules/@sentrial/sdk/index.js'));
  });

  it('npx sentrial serve starts the collector: banner, /healthz', async () => {
    const dbPath = path.join(project, 'sentrial.db');
    const apiKey = 'user-key-' + Math.random().toString(36).slice(2);
    // Its own process group, so the npx wrapper and the collector under it stop together.
    const child = spawn(
      'npx',
      ['--no-install', 'sentrial', 'serve', '--port', '0', '--db', dbPath, '--api-key', apiKey],
      {
        cwd: project,
        env: userEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    collector = { child, apiKey };
    let banner = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    collector.url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no banner in 30 s: ' + banner + stderr)), 30_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        banner += line + '\n';
        const m = /Sentrial collector listening on (http:\/\/\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`npx sentrial serve exited ${code}: ${stderr}`)));
    });
    const health = await fetch(collector.url + '/healthz');
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    const unauth = await fetch(collector.url + '/api/sessions');
    assert.equal(unauth.status, 401);
    // The process serving is the platform package's executable, not a build in the repo.
    const group = execFileSync('ps', ['-eo', 'pid=,pgid='], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter(([, pgid]) => pgid === child.pid)
      .map(([pid]) => pid);
    const executables = group.map((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`);
      } catch {
        return '';
      }
    });
    assert.ok(
      executables.includes(path.join(project, 'node_modules/@sentrial', `sdk-${platform}`, COLLECTOR)),
      `no process of the group runs the installed collector: ${executables}`,
    );
  });

  it('a TypeScript example compiles with tsc --strict against the real SDK types, then runs', async () => {
    assert.ok(collector?.url, 'collector started by the previous test');
    mkdirSync(path.join(project, 'src'), { recursive: true });
    copyFileSync(path.join(repoRoot, 'examples/typed-query.mts'), path.join(project, 'src/typed-query.mts'));
    copyFileSync(path.join(repoRoot, 'examples/typed-manual.mts'), path.join(project, 'src/typed-manual.mts'));
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          rootDir: 'src',
          outDir: 'dist',
          types: ['node'],
          noEmitOnError: true,
        },
        include: ['src/typed-query.mts', 'src/typed-manual.mts'],
      }),
    );
    const tsc = path.join(project, 'node_modules/.bin/tsc');
    ok(run(tsc, ['-p', '.', '--strict']), 'tsc --strict');
    // The assertions in it are real: the same file with trackedQuery degraded to `any` must not compile.
    const degraded = readFileSync(path.join(project, 'src/typed-query.mts'), 'utf8').replace(
      'wrapClaudeAgent(query, {',
      'wrapClaudeAgent(query as any, {',
    );
    writeFileSync(path.join(project, 'src/degraded.mts'), degraded);
    writeFileSync(
      path.join(project, 'tsconfig.degraded.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['src/degraded.mts'] }),
    );
    const bad = run(tsc, ['-p', 'tsconfig.degraded.json']);
    assert.notEqual(bad.status, 0, 'a trackedQuery typed as any compiled: the type assertions prove nothing');
    assert.match(bad.stdout, /_MessageNotAny|_SameAsQuery|does not satisfy the constraint 'true'/);
    const res = ok(
      await runAsync(process.execPath, ['dist/typed-query.mjs', '[scenario:hello] typed'], { env: modelEnv() }),
      'dist/typed-query.mjs',
    );
    const out = JSON.parse(res.stdout.trim().split('\n').at(-1));
    assert.match(out.answer, /Done: hello/);
    assert.equal(out.pending, 0);
    const found = await get('/api/sessions?agent=typed-agent');
    assert.equal(found.sessions.length, 1);
    assert.equal(found.sessions[0].metadata.language, 'typescript');
    // The manual API's example: its refusals compiled as errors (an unused @ts-expect-error would
    // not have), and it runs against the installed package.
    const manual = ok(
      await runAsync(process.execPath, ['dist/typed-manual.mjs'], { env: modelEnv() }),
      'dist/typed-manual.mjs',
    );
    const m = JSON.parse(manual.stdout.trim().split('\n').at(-1));
    assert.equal(m.pending, 0);
    const typed = await get('/api/sessions?agent=typed-manual');
    assert.deepEqual(typed.sessions.map((s) => s.id).sort(), [m.sessionId, m.run].sort());
  });

  it('the quick start runs from the project against the installed collector; the session reads back', async () => {
    assert.ok(collector?.url, 'collector started');
    copyFileSync(path.join(repoRoot, 'examples/quickstart.mjs'), path.join(project, 'quickstart.mjs'));
    const res = ok(
      await runAsync(process.execPath, ['quickstart.mjs', '[scenario:tool-success] from an installed package'], {
        env: modelEnv({ USER_ID: 'installed-user' }),
      }),
      'quickstart.mjs',
    );
    assert.match(res.stdout, /Done: tool-success/);
    const { sessions } = await get('/api/sessions?agent=quickstart&user_id=installed-user');
    assert.equal(sessions.length, 1);
    const s = await get(`/api/sessions/${sessions[0].id}`);
    assert.equal(s.status, 'completed');
    assert.equal(s.input, '[scenario:tool-success] from an installed package');
    assert.deepEqual(
      s.tool_calls.map((c) => [c.tool_name, c.status]),
      [['Bash', 'success']],
    );
    assert.ok(s.cost_usd > 0);
  });

  it('without its platform package: one clear warning naming the package, tracking off, the agent still runs', () => {
    // A copy of the installed main package alone, as after `npm install --omit=optional`.
    const lone = tempDir('sentrial-no-binary-');
    cleanups.push(lone.cleanup);
    cpSync(path.join(project, 'node_modules/@sentrial/sdk'), path.join(lone.dir, 'node_modules/@sentrial/sdk'), {
      recursive: true,
    });
    assert.ok(!readdirSync(path.join(lone.dir, 'node_modules/@sentrial')).includes(`sdk-${platform}`));
    writeFileSync(
      path.join(lone.dir, 'app.cjs'),
      `const { SentrialClient, wrapClaudeAgent } = require('@sentrial/sdk');
       const client = new SentrialClient({ apiKey: 'k' });
       async function* fakeQuery() { yield { type: 'result', subtype: 'success', result: 'still runs' }; }
       (async () => {
         const seen = [];
         for await (const m of wrapClaudeAgent(fakeQuery, { client })({ prompt: 'hi' })) seen.push(m.result);
         console.log(JSON.stringify({ enabled: client.enabled, seen, flushed: await client.flush() }));
       })();`,
    );
    const res = spawnSync(process.execPath, ['app.cjs'], { cwd: lone.dir, encoding: 'utf8', env: userEnv() });
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), {
      enabled: false,
      seen: ['still runs'],
      flushed: { delivered: 0, pending: 0, timedOut: false },
    });
    const warnings = res.stderr.split('\n').filter((l) => l.includes('SentrialWarning'));
    assert.equal(warnings.length, 1, res.stderr);
    assert.match(warnings[0], new RegExp(`no native binary for ${platform}`));
    assert.match(
      warnings[0],
      new RegExp(`npm install @sentrial/sdk-${platform}@${rootPkg.version.replace(/\./g, '\\.')}`),
    );
    assert.match(warnings[0], /tracking is off/);
    // The bin says the same and exits non-zero instead of a stack trace.
    const bin = spawnSync(process.execPath, ['node_modules/@sentrial/sdk/bin/sentrial.js', 'serve'], {
      cwd: lone.dir,
      encoding: 'utf8',
      env: userEnv(),
    });
    assert.equal(bin.status, 1);
    assert.match(bin.stderr, new RegExp(`@sentrial/sdk-${platform}`));
    assert.doesNotMatch(bin.stderr, /\n\s+at /, 'no stack trace');
  });
});

describe('the loader in this checkout', () => {
  it('a binary that cannot load names the platform package and leaves tracking off', () => {
    const res = spawnSync(
      process.execPath,
      [
        '-e',
        `const { SentrialClient } = require(${JSON.stringify(repoRoot)}); console.log(new SentrialClient({ apiKey: 'k' }).enabled);`,
      ],
      { encoding: 'utf8', env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '/nonexistent/sentrial.node' } },
    );
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'false');
    const expected = `${process.platform}-${process.arch}`;
    assert.match(res.stderr, new RegExp(`no native binary for ${expected}`));
    assert.match(res.stderr, new RegExp(`@sentrial/sdk-${expected}`));
    assert.match(res.stderr, /Cannot find module '\/nonexistent\/sentrial.node'/);
  });
});

function modelEnv(extra = {}) {
  const config = tempDir('sentrial-claude-');
  cleanups.push(config.cleanup);
  return {
    SENTRIAL_API_URL: collector.url,
    SENTRIAL_API_KEY: collector.apiKey,
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
    ANTHROPIC_MODEL: 'claude-sonnet-4-5',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CONFIG_DIR: config.dir,
    CLAUDE_CODE_TMPDIR: config.dir,
    ...extra,
  };
}

async function get(p) {
  const res = await fetch(collector.url + p, { headers: { authorization: `Bearer ${collector.apiKey}` } });
  const body = await res.json();
  assert.ok(res.ok, `GET ${p}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
