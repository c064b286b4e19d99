// Downloads: the sessions list's matches as CSV or JSONL (its filters as they stand), one session
// as JSON or Markdown, and that Markdown copied for pasting into a model.

import { ApiError } from './api.js';
import { h } from './dom.js';
import { path, withQuery } from './routes.js';

/** Links that download every session `filters` match (`filters` as the list API takes them). */
export function listExports(filters) {
  const link = (format, label) =>
    h(
      'a',
      {
        class: 'btn',
        href: withQuery('/api/export/sessions', { ...filters, format }),
        download: '',
        dataset: { export: format },
      },
      label,
    );
  return h('div', { class: 'head-actions' }, link('csv', 'Download CSV'), link('jsonl', 'Download JSONL'));
}

/** Downloads of session `id`, and a button that copies its Markdown. */
export function sessionExports(id) {
  const status = h('span', { class: 'muted small', role: 'status' });
  const copy = async () => {
    try {
      const res = await fetch(path`/api/sessions/${id}/export?format=md`, { credentials: 'same-origin' });
      if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`);
      await navigator.clipboard.writeText(await res.text());
      status.textContent = 'Copied.';
    } catch (err) {
      status.textContent = `Could not copy: ${err.message}`;
    }
  };
  const link = (format, label) =>
    h(
      'a',
      {
        class: 'btn',
        href: path`/api/sessions/${id}/export?format=${format}`,
        download: '',
        dataset: { export: format },
      },
      label,
    );
  return h(
    'div',
    { class: 'head-actions' },
    link('json', 'JSON'),
    link('md', 'Markdown'),
    h('button', { class: 'btn', type: 'button', onclick: copy, dataset: { export: 'copy' } }, 'Copy for an LLM'),
    status,
  );
}
