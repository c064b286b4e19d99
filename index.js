'use strict';
// @sentrial/sdk: agent observability for the Claude Agent SDK.

const { SentrialClient } = require('./lib/client.js');
const { wrapClaudeAgent } = require('./lib/wrap.js');

module.exports = { SentrialClient, wrapClaudeAgent };
