// HTTPS to the collector through the SDK's own TLS stack (rustls, ring, the platform's trust store):
// a collector behind an HTTPS front with a certificate from a throwaway CA. A host that trusts the CA
// (SSL_CERT_FILE) delivers; one that does not delivers nothing, warns, and runs on unharmed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import { repoRoot, startCollector, tempDir } from './support/harness.mjs';

/** A CA and a certificate for 127.0.0.1 signed by it, made with the openssl CLI. */
function makeCertificates(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=sentrial test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  return {
    ca: path.join(dir, 'ca.crt'),
    key: readFileSync(path.join(dir, 'server.key')),
    cert: readFileSync(path.join(dir, 'server.crt')),
  };
}

/**
 * A host process that tracks one fake session to `apiUrl` and prints its stats. Asynchronous: the
 * HTTPS front runs in this process and must keep answering meanwhile.
 */
async function runHost(apiUrl, apiKey, env) {
  const script = `
    const { SentrialClient, wrapClaudeAgent } = require(${JSON.stringify(path.join(repoRoot, 'index.js'))});
    async function* query() {
      yield { type: 'system', subtype: 'init', session_id: 'tls-1', model: 'claude-sonnet-4-5', tools: [] };
      yield { type: 'result', subtype: 'success', is_error: false, result: 'done', session_id: 'tls-1',
              duration_ms: 5, num_turns: 1, total_cost_usd: 0.001, usage: { input_tokens: 1, output_tokens: 1 } };
    }
    (async () => {
      const client = new SentrialClient({ apiKey: ${JSON.stringify(apiKey)}, apiUrl: ${JSON.stringify(apiUrl)}, flushIntervalMs: 50 });
      for await (const m of wrapClaudeAgent(query, { client, defaultAgent: 'tls' })({ prompt: 'over https' })) {}
      const flushed = await client.flush({ timeoutMs: 3000 });
      console.log(JSON.stringify({ flushed, stats: client.stats() }));
    })();`;
  const res = await promisify(execFile)(process.execPath, ['-e', script], {
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return { ...JSON.parse(res.stdout.trim().split('\n').pop()), stderr: res.stderr };
}

describe('HTTPS to the collector', () => {
  let collector;
  let front;
  let certs;
  let url;

  before(async () => {
    certs = makeCertificates(tempDir('sentrial-tls-').dir);
    collector = await startCollector();
    const target = new URL(collector.url);
    front = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      const upstream = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise((resolve) => front.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${front.address().port}`;
  });

  after(async () => {
    await new Promise((resolve) => front?.close(resolve));
    await collector?.stop();
  });

  it('delivers when the server certificate is trusted', async () => {
    const { flushed, stats, stderr } = await runHost(url, collector.apiKey, {
      SSL_CERT_FILE: certs.ca,
      SENTRIAL_DEBUG: '1',
    });
    assert.equal(flushed.timedOut, false, stderr);
    assert.equal(stats.dropped, 0);
    const list = await collector.get('/api/sessions?agent=tls');
    assert.equal(list.sessions.length, 1);
    assert.equal(list.sessions[0].output, 'done');
  });

  it('delivers nothing to an untrusted certificate, and the host runs on', async () => {
    const before = (await collector.get('/api/sessions?agent=tls')).sessions.length;
    const { flushed, stats } = await runHost(url, collector.apiKey, {
      SSL_CERT_FILE: '/nonexistent-ca.crt',
      SENTRIAL_DEBUG: '1',
    });
    assert.equal(flushed.timedOut, true, 'nothing can be delivered');
    assert.ok(stats.pending > 0);
    assert.equal((await collector.get('/api/sessions?agent=tls')).sessions.length, before);
  });
});
