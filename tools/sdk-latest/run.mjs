#!/usr/bin/env node
// `npm run test:sdk-latest`: installs whatever `@anthropic-ai/claude-agent-sdk@latest` is now (with
// its CLI) into a temporary folder and runs the end-to-end suites against it, so a new SDK
// release is checked in minutes. The project's own dependencies stay as they are.
//
//   npm run test:sdk-latest            # the newest release
//   SDK_VERSION=0.3.340 npm run test:sdk-latest   # a given one

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const version = process.env.SDK_VERSION || 'latest';
const dir = mkdtempSync(path.join(tmpdir(), 'sentrial-sdk-latest-'));
const keep = process.env.KEEP_SDK_DIR === '1';

function step(what, cmd, args, options = {}) {
  console.log(`== ${what}`);
  const res = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (res.status !== 0) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    process.exit(res.status ?? 1);
  }
}

try {
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'sentrial-sdk-latest', private: true }));
  step(`install @anthropic-ai/claude-agent-sdk@${version}`, 'npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefix',
    dir,
    `@anthropic-ai/claude-agent-sdk@${version}`,
    'zod',
  ]);
  const sdkDir = path.join(dir, 'node_modules', '@anthropic-ai', 'claude-agent-sdk');
  const installed = JSON.parse(readFileSync(path.join(sdkDir, 'package.json'), 'utf8')).version;
  console.log(`== testing against @anthropic-ai/claude-agent-sdk ${installed}`);
  step(
    'node --test (the end-to-end suites)',
    process.execPath,
    ['--test', '--test-concurrency=1', path.join(here, 'suite.test.mjs')],
    {
      cwd: repoRoot,
      env: { ...process.env, SENTRIAL_SDK_DIR: sdkDir },
    },
  );
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
