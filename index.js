'use strict';
// @sentrial/sdk: agent observability for the Claude Agent SDK.

const { SentrialClient } = require('./lib/client.js');
const { wrapClaudeAgent, wrapClaudeAgentSDK } = require('./lib/wrap.js');
const { getSessionId } = require('./lib/run.js');

module.exports = { SentrialClient, wrapClaudeAgent, wrapClaudeAgentSDK, getSessionId };
