export function quantile(values, q) {
  if (!values.length) return NaN;
  const s = Float64Array.from(values).sort();
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}
export const median = (v) => quantile(v, 0.5);
export const p99 = (v) => quantile(v, 0.99);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const tick = () => new Promise((r) => setImmediate(r));

export function shuffle(a) {
  const b = [...a];
  for (let i = b.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [b[i], b[j]] = [b[j], b[i]];
  }
  return b;
}

export function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

export function fullGc() {
  if (typeof globalThis.gc !== 'function') return;
  globalThis.gc();
  globalThis.gc();
}

/** Counts the collector's stored events of every session of `agent`; and how many are completed. */
export async function collectorCount(col, agent) {
  const headers = { authorization: `Bearer ${col.apiKey}` };
  const get = async (p) => {
    const res = await fetch(col.url + p, { headers });
    if (!res.ok) throw new Error(`GET ${p}: ${res.status}`);
    return res.json();
  };
  let cursor = null;
  const sessions = [];
  do {
    const page = await get(
      `/api/sessions?agent=${encodeURIComponent(agent)}&limit=500${cursor ? '&cursor=' + cursor : ''}`,
    );
    sessions.push(...page.sessions);
    cursor = page.next_cursor;
  } while (cursor);
  let events = 0;
  for (const s of sessions) events += (await get(`/api/sessions/${s.id}/events`)).length;
  return { sessions: sessions.length, completed: sessions.filter((s) => s.status === 'completed').length, events };
}

/** Sessions of `agent` the collector has, and how many are completed (one list request). */
export async function collectorSessions(col, agent) {
  const res = await fetch(`${col.url}/api/sessions?agent=${encodeURIComponent(agent)}&limit=500`, {
    headers: { authorization: `Bearer ${col.apiKey}` },
  });
  const page = await res.json();
  return { sessions: page.sessions.length, completed: page.sessions.filter((s) => s.status === 'completed').length };
}
