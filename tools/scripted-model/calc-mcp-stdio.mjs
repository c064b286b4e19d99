#!/usr/bin/env node
// A tiny MCP server over stdio (newline-delimited JSON-RPC 2.0), Node built-ins only, with one tool:
//   add {a:number, b:number} → text "<a+b>"
// Used by record.mjs / tests as the stdio twin of the in-process `calc` server:
//   mcpServers: { calc: { type: 'stdio', command: process.execPath, args: ['tools/scripted-model/calc-mcp-stdio.mjs'] } }
// Every request it gets is appended to the file named by env CALC_MCP_LOG, when set (one JSON per line).

import fs from 'node:fs';
import readline from 'node:readline';

const TOOLS = [
  {
    name: 'add',
    description: 'Add two numbers',
    inputSchema: {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
      additionalProperties: false,
    },
  },
];

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function answer(msg) {
  switch (msg.method) {
    case 'initialize':
      return {
        protocolVersion: (msg.params && msg.params.protocolVersion) || '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: 'calc-stdio', version: '1.0.0' },
      };
    case 'ping':
      return {};
    case 'tools/list':
      return { tools: TOOLS };
    case 'tools/call': {
      const { name, arguments: args = {} } = msg.params || {};
      if (name !== 'add') return { content: [{ type: 'text', text: `unknown tool ${name}` }], isError: true };
      const { a, b } = args;
      if (typeof a !== 'number' || typeof b !== 'number')
        return { content: [{ type: 'text', text: 'a and b must be numbers' }], isError: true };
      return { content: [{ type: 'text', text: String(a + b) }] };
    }
    case 'resources/list':
      return { resources: [] };
    case 'prompts/list':
      return { prompts: [] };
    default:
      return undefined;
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
  }
  if (process.env.CALC_MCP_LOG) fs.appendFileSync(process.env.CALC_MCP_LOG, JSON.stringify(msg) + '\n');
  if (msg.id === undefined || msg.id === null) return; // a notification (e.g. notifications/initialized)
  const result = answer(msg);
  if (result === undefined)
    send({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: `method not found: ${msg.method}` } });
  else send({ jsonrpc: '2.0', id: msg.id, result });
});
rl.on('close', () => process.exit(0));
