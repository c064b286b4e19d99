#!/usr/bin/env node
// Runs the delivery fault suite (__test__/faults.test.mjs) against the real collector and renders
// its results as the table of docs/reliability.md.
//
//   node scripts/reliability-report.mjs            run the suite, print the table
//   node scripts/reliability-report.mjs --write    run the suite, put the table into docs/reliability.md
//   node scripts/reliability-report.mjs --from F   render the JSON results file F (no run)
//
// Needs the native addon built (npm run build). Exits non-zero when a test of the suite failed.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const doc = path.join(root, 'docs', 'reliability.md');
const BEGIN = '<!-- reliability-table:begin (scripts/reliability-report.mjs --write) -->';
const END = '<!-- reliability-table:end -->';

const args = process.argv.slice(2);
const from = args.includes('--from') ? args[args.indexOf('--from') + 1] : null;
const write = args.includes('--write');

let results;
let summary = null;
let status = 0;
if (from) {
  results = JSON.parse(readFileSync(from, 'utf8'));
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'sentrial-reliability-'));
  const out = path.join(dir, 'results.json');
  const run = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', path.join(root, '__test__', 'faults.test.mjs')],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SENTRIAL_RELIABILITY_OUT: out },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  status = run.status ?? 1;
  const count = (k) => Number((new RegExp(`^# ${k} (\\d+)`, 'm').exec(run.stdout) || [])[1] ?? NaN);
  summary = {
    tests: count('tests'),
    pass: count('pass'),
    fail: count('fail'),
    todo: count('todo'),
    ms: count('duration_ms'),
  };
  try {
    results = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    process.stderr.write(run.stdout + run.stderr);
    console.error('the fault suite wrote no results');
    process.exit(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (status !== 0)
    process.stderr.write(
      run.stdout
        .split('\n')
        .filter((l) => /not ok|error:|failure/i.test(l))
        .join('\n') + '\n',
    );
}

const cell = (v) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const yes = (v) => (v === true ? 'yes' : v === false ? '**NO**' : 'n/a');

const lines = [
  '| fault | host exceptions | messages unchanged | events delivered after recovery | duplicates stored | drops (by reason) | notes |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of results.rows) {
  const delivered = `${r.deliveredAfterRecovery} (stored ${r.stored} of ${r.produced} produced)`;
  const notes = r.ok === false ? `**FAILED: ${r.failure}**; ${r.notes}` : r.notes;
  lines.push(
    `| ${cell(r.fault)} | ${r.hostExceptions} | ${yes(r.messagesUnchanged)} | ${cell(delivered)} | ${r.duplicatesStored} | ${cell(r.drops)} | ${cell(notes)} |`,
  );
}
const failed = results.rows.filter((r) => r.ok === false).length;
const when =
  `Run ${results.when} (Node ${results.node})` +
  (summary
    ? `: ${summary.tests} tests, ${summary.pass} passed, ${summary.fail} failed, in ${Math.round(summary.ms / 1000)} s.`
    : '.') +
  (failed ? ` ${failed} row(s) FAILED.` : '');
const table = [when, '', ...lines].join('\n');

if (write) {
  const text = readFileSync(doc, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    console.error(`docs/reliability.md has no ${BEGIN} ... ${END} section`);
    process.exit(1);
  }
  writeFileSync(doc, text.slice(0, a + BEGIN.length) + '\n' + table + '\n' + text.slice(b));
  console.log(`docs/reliability.md: table written (${results.rows.length} rows)`);
} else {
  console.log(table);
}
process.exit(status);
