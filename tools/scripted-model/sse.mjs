// Response writers for the scripted model: message ids, SSE event lists, JSON and error answers.
// Node built-ins only.

import crypto from 'node:crypto';

export function randId(prefix) {
  // 24 base62-ish chars, like real ids (msg_01..., toolu_01...)
  return prefix + '01' + crypto.randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22);
}

export function chunkText(s, size = 24) {
  const out = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out.length ? out : [''];
}

// The SSE events of one streamed message: message_start (usage with output_tokens 1, as the API does),
// then per content block content_block_start / *_delta / content_block_stop, then message_delta with the
// stop reason and the final output_tokens, then message_stop.
//   text             → text_delta pieces
//   tool_use         → input_json_delta pieces of the JSON input
//   thinking         → thinking_delta pieces, then one signature_delta (as the API streams them)
//   redacted_thinking→ the whole block in content_block_start (no deltas), as the API sends it
export function sseEvents(msg, slow) {
  const events = [];
  const startUsage = { ...msg.usage, output_tokens: 1 };
  events.push([
    'message_start',
    {
      type: 'message_start',
      message: { ...msg, content: [], stop_reason: null, stop_sequence: null, usage: startUsage },
    },
  ]);
  msg.content.forEach((b, index) => {
    const delta = (d) => events.push(['content_block_delta', { type: 'content_block_delta', index, delta: d }]);
    if (b.type === 'text') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
      ]);
      const pieces = slow ? b.text.split(/(?<= )/) : chunkText(b.text);
      for (const p of pieces) delta({ type: 'text_delta', text: p });
    } else if (b.type === 'tool_use') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } },
      ]);
      for (const p of chunkText(JSON.stringify(b.input), 40)) delta({ type: 'input_json_delta', partial_json: p });
    } else if (b.type === 'thinking') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } },
      ]);
      for (const p of chunkText(b.thinking)) delta({ type: 'thinking_delta', thinking: p });
      delta({ type: 'signature_delta', signature: b.signature });
    } else if (b.type === 'redacted_thinking') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: b.data } },
      ]);
    } else {
      throw new Error(`scripted-model: no SSE writer for block type ${b.type}`);
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: msg.stop_reason, stop_sequence: null },
      usage: { output_tokens: msg.usage.output_tokens },
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

export function sendJson(res, status, obj, headers = {}) {
  const s = JSON.stringify(obj);
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': randId('req_'),
    'content-length': Buffer.byteLength(s),
    ...headers,
  });
  res.end(s);
}

// An API error body as the Messages API sends it: {"type":"error","error":{"type","message"},"request_id"}.
export function sendError(res, status, type, message, headers = {}) {
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: randId('req_') }, headers);
}
