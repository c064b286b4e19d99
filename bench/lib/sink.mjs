// A local HTTP sink standing in for the peers' backends (LangSmith, Braintrust, OTLP/Phoenix,
// PostHog). Runs as its own process so receiving costs nothing on the benchmark's main thread.
// Answers each API with the smallest body its client accepts, counts requests and bytes by path.
// Prints `sink listening on http://127.0.0.1:PORT`; `GET /__stats` returns the counts.
import http from 'node:http';

const stats = {};
const server = http.createServer((req, res) => {
  let bytes = 0;
  req.on('data', (d) => (bytes += d.length));
  req.on('end', () => {
    const path = req.url.split('?')[0];
    if (path === '/__stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(stats));
    }
    const key = `${req.method} ${path}`;
    stats[key] ??= { requests: 0, bytes: 0 };
    const s = stats[key];
    s.requests += 1;
    s.bytes += bytes;
    const origin = `http://${req.headers.host}`;
    let body = {};
    if (path === '/api/apikey/login') {
      body = { org_info: [{ id: 'org-bench', name: 'bench', api_url: origin, proxy_url: origin, git_metadata: null }] };
    } else if (path === '/api/project/register') {
      body = { project: { id: 'proj-bench', name: 'bench' } };
    } else if (path === '/info') {
      body = { version: '0.0.0', batch_ingest_config: { use_multipart_endpoint: true } };
    } else if (path.startsWith('/batch') || path.startsWith('/i/v0/e')) {
      body = { status: 1 };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`sink listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
