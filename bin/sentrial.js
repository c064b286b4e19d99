#!/usr/bin/env node
'use strict';
// `sentrial serve [--port N] [--db FILE] [--api-key KEY]`, `sentrial key ...`, `sentrial dashboard ...`:
// runs the collector executable with these arguments, as if it were this process. Its output is
// this process's output, termination signals sent here reach it, and its exit is this exit (a
// signal that ends it ends this process the same way).

const { spawn } = require('node:child_process');
const { collectorPath } = require('../lib/collector.js');

let executable;
try {
  executable = collectorPath();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

// SENTRIAL_EXIT_WITH_PARENT: should this process be killed outright, the collector is killed too
// (on Linux) instead of living on with the port.
const child = spawn(executable, process.argv.slice(2), {
  stdio: 'inherit',
  env: { ...process.env, SENTRIAL_EXIT_WITH_PARENT: String(process.pid) },
  argv0: 'sentrial', // the name its help and errors show
  windowsHide: true,
});

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of FORWARDED) process.on(signal, forward);

child.on('error', (err) => {
  console.error(`sentrial: could not run the collector (${executable}): ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  for (const s of FORWARDED) process.removeListener(s, forward);
  if (signal) {
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
