// A fault-injecting HTTP proxy in front of the collector, for the delivery fault suite
// (__test__/faults.test.mjs). Node built-ins only. Listens on 127.0.0.1:<ephemeral>.
//
// Modes (proxy.setMode(mode, options)):
//   pass           forward to the collector, answer with its answer
//   refuse         the listening socket is closed (connection refused) and open connections are
//                  destroyed; switching to another mode listens again on the same port
//   reset          accept the connection, then destroy it at once (connection reset)
//   blackhole      accept and read the request, never answer (the client's timeout fires)
//   slow           wait options.delayMs, then forward (forwarded even when the client gave up, as a
//                  slow collector that still stores the batch would)
//   status         answer options.status (e.g. 500, 413, 429) with options.headers, never forwarded
//   too-large      413 when the request body, after gzip decompression, is over options.maxBytes;
//                  smaller ones are forwarded (a collector with a small body limit)
//   drop-response  forward (so the batch IS stored), then destroy the client's socket before the
//                  answer: the client retries events the collector already has
//
// Counters: `counts[mode]` requests seen in each mode, `log` one entry per request
// `{ at, mode, bytes, events, status }` (bounded), and `ingest` the sums of the collector's 200
// answers to forwarded batches: `{ accepted, duplicates }`. If the collector cannot be reached
// the proxy answers 502 (like a gateway). close() destroys every socket and timer; it is idempotent.

import http from 'node:http';
import { gunzipSync } from 'node:zlib';

const MODES = ['pass', 'refuse', 'reset', 'blackhole', 'slow', 'status', 'too-large', 'drop-response'];
const MAX_BODY = 64 * 1024 * 1024;
const MAX_LOG = 10_000;

/** Starts a proxy to `target` (e.g. `http://127.0.0.1:7878`). */
export async function startFaultProxy({ target, mode = 'pass', options = {} } = {}) {
  if (!target) throw new TypeError('startFaultProxy: target is required');
  const upstream = new URL(target);
  const sockets = new Set();
  const timers = new Set();
  const counts = Object.fromEntries(MODES.map((m) => [m, 0]));
  const log = [];
  const ingest = { accepted: 0, duplicates: 0 };
  let current = { mode, options };
  let closed = false;
  let listening = false;
  let port = 0;

  const server = http.createServer((req, res) => handle(req, res));
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (current.mode === 'reset') {
      counts.reset++;
      record({ mode: 'reset' });
      socket.destroy();
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  function record(entry) {
    entry.at = Date.now();
    if (log.length < MAX_LOG) log.push(entry);
    return entry;
  }

  function later(ms, fn) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function readBody(req) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (c) => {
        size += c.length;
        if (size > MAX_BODY) {
          reject(new Error('body too large for the proxy'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  function inflate(req, body) {
    try {
      return /gzip/i.test(req.headers['content-encoding'] || '') ? gunzipSync(body) : body;
    } catch {
      return body;
    }
  }

  function eventCount(raw) {
    try {
      const parsed = JSON.parse(raw.toString('utf8'));
      return Array.isArray(parsed.events) ? parsed.events.length : undefined;
    } catch {
      return undefined;
    }
  }

  // Forwards one buffered request; resolves to { status, headers, body } or null when unreachable.
  function forward(req, body) {
    return new Promise((resolve) => {
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      delete headers.connection;
      delete headers['transfer-encoding'];
      const up = http.request(
        { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent: false },
        (ures) => {
          const chunks = [];
          ures.on('data', (c) => chunks.push(c));
          ures.on('end', () =>
            resolve({ status: ures.statusCode, headers: ures.headers, body: Buffer.concat(chunks) }),
          );
          ures.on('error', () => resolve(null));
        },
      );
      up.setTimeout(60_000, () => up.destroy(new Error('upstream timeout')));
      up.on('error', () => resolve(null));
      up.end(body);
    });
  }

  function noteIngest(req, answer) {
    if (!answer || answer.status !== 200 || req.url !== '/v1/batch') return;
    try {
      const parsed = JSON.parse(answer.body.toString('utf8'));
      ingest.accepted += Number(parsed.accepted) || 0;
      ingest.duplicates += Number(parsed.duplicates) || 0;
    } catch {
      // not an ingest answer
    }
  }

  function reply(res, answer) {
    if (res.destroyed || res.writableEnded) return;
    if (!answer) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":"fault proxy: collector unreachable"}');
      return;
    }
    const headers = { ...answer.headers };
    delete headers.connection;
    delete headers['transfer-encoding'];
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  async function handle(req, res) {
    const { mode: m, options: o } = current;
    counts[m] = (counts[m] || 0) + 1;
    let body;
    try {
      body = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }
    const raw = inflate(req, body);
    const entry = { mode: m, path: req.url, bytes: raw.length, events: eventCount(raw) };
    record(entry);
    if (closed) {
      req.socket.destroy();
      return;
    }
    switch (m) {
      case 'refuse':
      case 'reset':
        req.socket.destroy();
        return;
      case 'blackhole':
        return; // the socket stays open until the client gives up or close()
      case 'status': {
        entry.status = o.status ?? 500;
        res.writeHead(entry.status, { 'content-type': 'application/json', ...(o.headers || {}) });
        res.end(JSON.stringify({ error: `fault proxy: ${entry.status}` }));
        return;
      }
      case 'too-large':
        if (raw.length > (o.maxBytes ?? 1024 * 1024)) {
          entry.status = 413;
          res.writeHead(413, { 'content-type': 'application/json' });
          res.end('{"error":"fault proxy: request body too large"}');
          return;
        }
        break;
      case 'slow':
        await new Promise((r) => later(o.delayMs ?? 1000, r));
        if (closed) return;
        break;
      default:
        break;
    }
    const answer = await forward(req, body);
    entry.status = answer ? answer.status : 502;
    noteIngest(req, answer);
    if (closed) return;
    if (m === 'drop-response') {
      req.socket.destroy();
      return;
    }
    reply(res, answer);
  }

  function listen(p) {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        port = server.address().port;
        resolve();
      });
    });
  }

  function stopListening() {
    if (!listening) return Promise.resolve();
    listening = false;
    const done = new Promise((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    return done;
  }

  if (mode === 'refuse') {
    // Bind once to get a port, then refuse.
    await listen(0);
    await stopListening();
  } else {
    await listen(0);
  }

  const proxy = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get mode() {
      return current.mode;
    },
    counts,
    log,
    ingest,
    /** Requests seen in `mode` since `since` (ms epoch). */
    seen(m, since = 0) {
      return log.filter((e) => e.mode === m && e.at >= since).length;
    },
    /** Switches mode; resolves once the listening state matches it. */
    async setMode(m, options = {}) {
      if (!MODES.includes(m)) throw new TypeError(`unknown fault-proxy mode ${m}`);
      if (closed) return;
      current = { mode: m, options };
      if (m === 'refuse') {
        await stopListening();
      } else {
        if (m === 'reset') for (const s of sockets) s.destroy();
        if (!listening) await listen(port);
      }
    },
    /** Destroys every open connection (e.g. the ones held by blackhole). */
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await stopListening();
      for (const s of sockets) s.destroy();
    },
  };
  return proxy;
}

/** A port that was free a moment ago (bind :0, read it, close). */
export async function freePort() {
  const srv = http.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
