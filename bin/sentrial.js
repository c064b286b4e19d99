#!/usr/bin/env node
'use strict';
// `sentrial serve [--port N] [--db FILE] [--api-key KEY]`: the collector, from the native addon.

const { native, loadError } = require('../lib/native.js');

if (!native) {
  console.error(loadError.message);
  process.exit(1);
}
process.exitCode = native.runCli(['sentrial', ...process.argv.slice(2)]);
