'use strict';
// The `otlp` option: sessions also (or only) exported as OTLP/HTTP traces. A wrong option is a
// TypeError at construction; the standard OpenTelemetry environment variables fill in what the
// option leaves out, and a wrong one of those is a warning (deployment settings must not crash the
// host). Header values hold backend keys: no message here ever shows one.

const { enumValues } = require('./native.js');
const { warnOnce } = require('./warn.js');

/** The OTLP protocols, as the core defines them (null without the addon: nothing is checked then). */
const PROTOCOLS = enumValues('OtlpProtocol');
const supported = (value) => PROTOCOLS === null || PROTOCOLS.includes(value);

/** The URL as an error may show it: no credentials, no query. */
function shown(url) {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

function isHttpUrl(value) {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

// What HTTP allows in a header name (a token) and value (visible ASCII, space, tab).
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * `k1=v1,k2=v2` with URL-encoded keys and values (the OTEL_EXPORTER_OTLP_HEADERS format). A pair
 * HTTP cannot carry is left out with a warning that names it (never its value).
 */
function parseHeaders(text, variable = 'OTEL_EXPORTER_OTLP_HEADERS') {
  const headers = {};
  for (const pair of String(text || '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = decode(pair.slice(0, eq).trim());
    const value = decode(pair.slice(eq + 1).trim());
    if (!HEADER_NAME.test(key) || !HEADER_VALUE.test(value)) {
      warnOnce(
        `SENTRIAL_OTLP_BAD_HEADER_${variable}`,
        `@sentrial/sdk: ${variable} holds a header HTTP does not allow (${JSON.stringify(key.slice(0, 64))}); it is left out.`,
      );
      continue;
    }
    headers[key] = value;
  }
  return headers;
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function fail(message) {
  throw new TypeError(`SentrialClient: ${message}`);
}

function endpointOf(option, env) {
  if (option.endpoint !== undefined) {
    if (typeof option.endpoint !== 'string' || !isHttpUrl(option.endpoint)) {
      fail(
        `otlp.endpoint must be an http(s) URL such as http://localhost:4318, got ${
          typeof option.endpoint === 'string' ? JSON.stringify(shown(option.endpoint)) : typeof option.endpoint
        }`,
      );
    }
    return { endpoint: option.endpoint };
  }
  for (const [name, key] of [
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'tracesEndpoint'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'endpoint'],
  ]) {
    const value = env[name];
    if (!value) continue;
    if (!isHttpUrl(value)) {
      warnOnce('SENTRIAL_OTLP_BAD_ENDPOINT', `@sentrial/sdk: ${name} is not an http(s) URL; OTLP export is off.`);
      return null;
    }
    return { [key]: value };
  }
  warnOnce(
    'SENTRIAL_OTLP_NO_ENDPOINT',
    '@sentrial/sdk: otlp is on but has no endpoint (pass otlp.endpoint or set OTEL_EXPORTER_OTLP_ENDPOINT); OTLP export is off.',
  );
  return null;
}

function headersOf(option, env) {
  if (option.headers === undefined) {
    return {
      ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
      ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    };
  }
  const h = option.headers;
  if (h === null || typeof h !== 'object' || Array.isArray(h))
    fail('otlp.headers must be an object of header names to string values');
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== 'string') fail(`otlp.headers[${JSON.stringify(k)}] must be a string`);
  }
  return { ...h };
}

function protocolOf(option, env) {
  if (option.protocol !== undefined) {
    if (!supported(option.protocol)) {
      fail(`otlp.protocol must be 'http/protobuf' or 'http/json', got ${JSON.stringify(String(option.protocol))}`);
    }
    return option.protocol;
  }
  const name = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = env[name];
  if (!value) return 'http/protobuf';
  if (!supported(value)) {
    warnOnce(
      'SENTRIAL_OTLP_BAD_PROTOCOL',
      `@sentrial/sdk: ${name}=${JSON.stringify(value)} is not supported (http/protobuf or http/json); using http/protobuf.`,
    );
    return 'http/protobuf';
  }
  return value;
}

/**
 * Checks the `otlp` option and resolves it with the environment. Returns what the native client
 * takes, or undefined when OTLP export is off.
 */
function otlpSettings(option, env = process.env) {
  if (option === undefined || option === null || option === false) return undefined;
  if (option === true) option = {};
  if (typeof option !== 'object' || Array.isArray(option)) {
    fail('otlp must be true or an object { endpoint, headers, protocol, serviceName }');
  }
  if (option.serviceName !== undefined && (typeof option.serviceName !== 'string' || option.serviceName === '')) {
    fail('otlp.serviceName must be a non-empty string');
  }
  const headers = headersOf(option, env);
  const protocol = protocolOf(option, env);
  const endpoint = endpointOf(option, env);
  if (!endpoint) return undefined;
  return { ...endpoint, headers, protocol, serviceName: option.serviceName ?? (env.OTEL_SERVICE_NAME || undefined) };
}

module.exports = { otlpSettings, parseHeaders };
