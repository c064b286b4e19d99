// The words the JS layer hands the native binding for a privacy mode, a PII kind and mode, an OTLP
// protocol and how a run ended are the binding's string enums (src/redact.rs, src/otlp.rs,
// src/session.rs): one list of each, in Rust. A word not listed is refused (`InvalidArg`, which the JS layer turns into a
// TypeError at construction), never read as another one.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const native = require('../binding.js');

const options = (extra) => ({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9', flushIntervalMs: 60_000, ...extra });
const refused = (e) => e.code === 'InvalidArg';

describe('native string enums', () => {
  it('privacy modes: full, no_inputs, no_outputs, metadata_only and no other', async () => {
    assert.deepEqual(Object.values(native.PrivacyMode), ['full', 'no_inputs', 'no_outputs', 'metadata_only']);
    for (const privacy of Object.values(native.PrivacyMode)) {
      await new native.NativeClient(options({ privacy })).shutdown(100);
    }
    assert.throws(() => new native.NativeClient(options({ privacy: 'everything' })), refused);
    // Refused even with tracking off: the options are read before anything else.
    assert.throws(() => new native.NativeClient({ apiKey: '', privacy: 'Full' }), refused);
  });

  it('PII kinds: emails, phones, cards, ssns, ips; modes: label, hash; and no other', async () => {
    assert.deepEqual(Object.values(native.PiiKind), ['emails', 'phones', 'cards', 'ssns', 'ips']);
    assert.deepEqual(Object.values(native.PiiMode), ['label', 'hash']);
    for (const mode of Object.values(native.PiiMode)) {
      const pii = { kinds: Object.values(native.PiiKind), mode };
      await new native.NativeClient(options({ redact: { pii } })).shutdown(100);
    }
    assert.throws(() => new native.NativeClient(options({ redact: { pii: { kinds: ['email'] } } })), refused);
    assert.throws(() => new native.NativeClient(options({ redact: { pii: { kinds: [], mode: 'x' } } })), refused);
  });

  it('OTLP protocols: http/protobuf and http/json, and no other', async () => {
    assert.deepEqual(Object.values(native.OtlpProtocol), ['http/protobuf', 'http/json']);
    for (const protocol of Object.values(native.OtlpProtocol)) {
      await new native.NativeClient(options({ otlp: { endpoint: 'http://127.0.0.1:9', protocol } })).shutdown(100);
    }
    assert.throws(
      () => new native.NativeClient(options({ otlp: { endpoint: 'http://127.0.0.1:9', protocol: 'grpc' } })),
      refused,
    );
  });

  it('how a run ended: each word ends the session once; another word is refused, not taken for stopped', async () => {
    assert.deepEqual(Object.values(native.RunEnd), ['done', 'stopped', 'interrupted', 'threw', 'aborted']);
    const client = new native.NativeClient(options());
    for (const how of Object.values(native.RunEnd)) {
      const session = client.startSession({ agent: 'a', userId: 'u' });
      const before = client.stats().inputs;
      session.finish(how, 'why');
      session.finish(how, 'again');
      assert.equal(client.stats().inputs, before + 1, how);
    }
    const session = client.startSession({ agent: 'a', userId: 'u' });
    const before = client.stats().inputs;
    assert.throws(() => session.finish('exploded'), refused);
    assert.equal(client.stats().inputs, before, 'nothing was finished');
    session.finish('done');
    assert.equal(client.stats().inputs, before + 1, 'the session is still open');
    await client.shutdown(100);
  });
});
