// Builds what `npm run build` promises, for this machine or for `--target <triple>`:
// 1. the Node addon (`sentrial.<platform>.node`, `binding.js`, `binding.d.ts`) with napi-rs;
// 2. the collector executable (`sentrial-collector`, `.exe` on Windows) that `sentrial serve` runs,
//    copied next to package.json, where bin/sentrial.js finds it in a checkout.
//
//   node scripts/build.mjs [--debug] [--target <triple>] [-x | --use-napi-cross]
//
// Both are release builds (LTO, opt-level s, stripped) unless --debug. With -x or --use-napi-cross
// (the release workflow's cross builds of Linux targets) the collector goes through cargo-zigbuild,
// against glibc 2.17 for -gnu targets, as the addon goes through napi-rs' cross toolchain.

import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const debug = args.includes('--debug');
const targetAt = args.indexOf('--target');
const target = targetAt >= 0 ? args[targetAt + 1] : null;
const cross = args.includes('-x') || args.includes('--use-napi-cross');

function run(command, commandArgs) {
  console.log(`> ${command} ${commandArgs.join(' ')}`);
  execFileSync(command, commandArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
}

const napiArgs = ['napi', 'build', '--platform', '--js', 'binding.js', '--dts', 'binding.d.ts'];
run('npx', [...napiArgs, ...(debug ? [] : ['--release']), ...args.filter((a) => a !== '--debug')]);

// napi-rs always names the target, so cargo builds into target/<triple>/; naming it here too lets the
// collector reuse the dependencies the addon's build just compiled.
const triple = target ?? /^host: (.+)$/m.exec(execFileSync('rustc', ['-vV'], { encoding: 'utf8' }))[1];
const windows = triple.includes('windows');
const executable = windows ? 'sentrial-collector.exe' : 'sentrial-collector';
const cargoTarget = cross && triple.endsWith('-linux-gnu') ? `${triple}.2.17` : triple;
run('cargo', [
  cross ? 'zigbuild' : 'build',
  '--locked',
  '-p',
  'sentrial-collector',
  '--bin',
  'sentrial-collector',
  ...(debug ? [] : ['--release']),
  '--target',
  cargoTarget,
]);
const built = path.join(root, 'target', triple, debug ? 'debug' : 'release', executable);
copyFileSync(built, path.join(root, executable));
console.log(`collector: ${executable}`);
