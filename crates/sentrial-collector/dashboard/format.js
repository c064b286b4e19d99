// Numbers, times and text as people read them.

const nf = new Intl.NumberFormat('en-US');

/** 1234 -> "1,234"; null -> "—". */
export function num(n) {
  return n === null || n === undefined ? '—' : nf.format(n);
}

/** Tokens, compact past a million. */
export function tokens(n) {
  if (n === null || n === undefined) return '—';
  if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 1 : 2) + 'M';
  return nf.format(n);
}

/** USD: cents precision from a cent up, four significant decimals below. */
export function cost(usd) {
  if (usd === null || usd === undefined) return '—';
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 1) return '$' + usd.toFixed(2);
  if (Math.abs(usd) >= 0.01) return '$' + usd.toFixed(3);
  return '$' + usd.toPrecision(2);
}

/** Milliseconds: "850 ms", "4.2 s", "3m 05s", "1h 02m". */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

const pad = (n) => String(n).padStart(2, '0');

/** An ISO timestamp in local time: "2025-01-31 09:08:07". */
export function datetime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "just now", "5 min ago", "3 h ago", else the date. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return datetime(iso);
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 7 * 86_400) return `${Math.floor(s / 86_400)} d ago`;
  return datetime(iso).slice(0, 10);
}

/** Bytes: "812 B", "12.4 KB", "3.1 MB". */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The first line of `text`, at most `max` characters, with an ellipsis when shortened. */
export function snippet(text, max = 120) {
  if (text === null || text === undefined) return '';
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** A value as text: strings as they are, everything else as indented JSON. */
export function asText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** Percent with one decimal: 0.1234 -> "12.3%". */
export function percent(ratio) {
  if (!Number.isFinite(ratio)) return '—';
  return (ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0) + '%';
}
