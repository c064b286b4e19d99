// PII redaction end to end (redact.pii, docs/security.md): a session full of personal data run
// through the real addon into a real collector. With `pii: true` every kind leaves its label, in
// short texts, long ones (lifted out of the message's JSON on their own) and metadata, and the
// database file holds none of the values; the object form picks kinds and the hash mode, whose
// markers join equal values; a wrong option is a TypeError at construction.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startCollector, eventually, drain } from './support/harness.mjs';

const require = createRequire(import.meta.url);
const { SentrialClient, wrapClaudeAgent } = require('../index.js');
const { fakeQuery, toolRun } = require('./support/fake-query.cjs');

/** One made-up value of each kind (the card is a network's test number). */
const PII = {
  email: 'jane.doe@example.com',
  phone: '(415) 555-0123',
  card: '4111 1111 1111 1111',
  ssn: '123-45-6789',
  ip: '203.0.113.42',
};
const TEXT = `Reach ${PII.email} or ${PII.phone}; card ${PII.card}, SSN ${PII.ssn}, from ${PII.ip}.`;

function client(collector, redact) {
  return new SentrialClient({
    apiKey: collector.apiKey,
    apiUrl: collector.url,
    flushIntervalMs: 20,
    exitTimeoutMs: 0,
    redact,
  });
}

async function run(c, agent, { prompt = TEXT, bashOutput = TEXT, metadata } = {}) {
  const tracked = wrapClaudeAgent(fakeQuery(toolRun({ bashOutput, result: TEXT })), {
    client: c,
    defaultAgent: agent,
    extraMetadata: metadata,
  });
  await drain(tracked({ prompt, options: {} }));
  await c.flush({ timeoutMs: 10_000 });
}

async function sessionOf(collector, agent) {
  const list = await eventually(async () => {
    const l = await collector.get(`/api/sessions?agent=${encodeURIComponent(agent)}`);
    return l.sessions.length === 1 && l.sessions[0].status !== 'running' && l;
  });
  return collector.get(`/api/sessions/${list.sessions[0].id}`);
}

const bashOf = (s) => s.tool_calls.find((t) => t.tool_name === 'Bash').output.stdout;

describe('PII redaction', () => {
  let collector;
  before(async () => {
    collector = await startCollector();
  });
  after(() => collector?.stop());

  it('pii: true labels every kind in prompts, outputs, long texts and metadata; none is stored', async () => {
    // Long enough to be lifted out of the JSON and handed over on its own (4,096 characters or more).
    const long = `${'line of build output\n'.repeat(250)}${TEXT}\n`;
    const c = client(collector, { pii: true });
    await run(c, 'pii-all', { bashOutput: long, metadata: { contact: PII.email } });
    const s = await sessionOf(collector, 'pii-all');
    const labelled =
      'Reach [REDACTED:email] or [REDACTED:phone]; card [REDACTED:card], SSN [REDACTED:ssn], from [REDACTED:ip].';
    assert.equal(s.input, labelled);
    assert.equal(s.output, labelled);
    assert.equal(s.metadata.contact, '[REDACTED:email]');
    assert.ok(bashOf(s).endsWith(`${labelled}\n`), bashOf(s).slice(-200));
    let stored = readFileSync(collector.dbPath).toString('latin1');
    if (existsSync(`${collector.dbPath}-wal`)) stored += readFileSync(`${collector.dbPath}-wal`).toString('latin1');
    for (const value of Object.values(PII)) assert.ok(!stored.includes(value), `${value} is in the database`);
    assert.equal(c.stats().faults, 0);
  });

  it('the object form picks kinds; hash mode gives equal values equal markers, keyed', async () => {
    const picked = client(collector, { pii: { emails: true, cards: true, mode: 'hash' } });
    await run(picked, 'pii-hash-1');
    await run(picked, 'pii-hash-2', { prompt: `again ${PII.email.toUpperCase()}` });
    const [one, two] = [await sessionOf(collector, 'pii-hash-1'), await sessionOf(collector, 'pii-hash-2')];
    const marker = (text, kind) => text.match(new RegExp(`\\[REDACTED:${kind}:[0-9a-f]{12}\\]`))?.[0];
    const email = marker(one.input, 'email');
    assert.ok(email, one.input);
    assert.ok(marker(one.input, 'card'), one.input);
    // Phones, SSNs and IPs were not asked for: kept.
    for (const kept of [PII.phone, PII.ssn, PII.ip]) assert.ok(one.input.includes(kept), one.input);
    assert.ok(!one.input.includes(PII.email) && !one.input.includes(PII.card));
    assert.equal(two.input, `again ${email}`, 'the same address in another session: the same marker');

    const keyed = client(collector, { pii: { emails: true, mode: 'hash', hashKey: 'another project key' } });
    await run(keyed, 'pii-hash-key');
    const other = await sessionOf(collector, 'pii-hash-key');
    const otherEmail = marker(other.input, 'email');
    assert.ok(otherEmail && otherEmail !== email, `${otherEmail} vs ${email}`);
  });

  it('a wrong pii option is a TypeError at construction that names it and never quotes the key', () => {
    const bad = [
      [{ pii: 'yes' }, /redact\.pii must be a boolean or an object/],
      [{ pii: { mode: 'x' } }, /redact\.pii\.mode must be one of label, hash, got x/],
      [{ pii: { email: true } }, /unknown redact\.pii field "email"; known: emails, phones, cards, ssns, ips/],
      [{ pii: { emails: 'yes' } }, /redact\.pii\.emails must be a boolean/],
      [{ pii: { hashKey: 42 } }, /redact\.pii\.hashKey must be a non-empty string/],
      [{ pii: [] }, /redact\.pii must be/],
    ];
    for (const [redact, message] of bad) {
      assert.throws(
        () => new SentrialClient({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9', redact }),
        (err) => {
          assert.ok(err instanceof TypeError, String(err));
          assert.match(err.message, message);
          return true;
        },
      );
    }
    const ok = new SentrialClient({
      apiKey: 'k',
      apiUrl: 'http://127.0.0.1:9',
      exitTimeoutMs: 0,
      redact: { pii: { ips: true, mode: 'hash', hashKey: 'k1' } },
    });
    assert.equal(ok.enabled, true);
    return ok.shutdown({ timeoutMs: 100 });
  });
});
