// A session's scores (from the app, from scripts, from reviewers) and the form a reviewer adds one
// with: thumbs, a number or a label, and a comment. The score is sent as the dashboard (source
// `dashboard`) to the scores API, which takes it only from this origin.

import { send } from './api.js';
import { h, replace } from './dom.js';
import { ago, datetime } from './format.js';
import { path } from './routes.js';
import { card } from './widgets.js';

const KINDS = [
  ['thumbs', 'Thumbs'],
  ['number', 'Number'],
  ['label', 'Label'],
];

/** The scores card of session `s`. */
export function scoresCard(s) {
  const list = h('div', { class: 'scores-list' });
  const scores = [...(s.scores || [])];
  const draw = () =>
    replace(
      list,
      scores.length
        ? h('table', { class: 'by-model scores' }, h('tbody', {}, scores.map(scoreRow)))
        : h('p', { class: 'muted' }, 'No scores yet.'),
    );
  draw();
  return card(
    'Scores',
    'scores',
    list,
    scoreForm(s, (score) => {
      scores.push(score);
      draw();
    }),
  );
}

function shown(value) {
  if (value === true) return '👍 yes';
  if (value === false) return '👎 no';
  return String(value);
}

function scoreRow(sc) {
  return h(
    'tr',
    { dataset: { score: sc.name, source: sc.source } },
    h('td', {}, h('strong', {}, sc.name)),
    h('td', { class: 'mono' }, shown(sc.value)),
    h('td', {}, sc.comment ?? h('span', { class: 'muted' }, '—')),
    h('td', {}, h('span', { class: 'chip' }, sc.source)),
    h('td', { class: 'nowrap', title: datetime(sc.at) }, ago(sc.at)),
  );
}

/** The form that adds a score; `added(score)` is called with what the collector stored. */
function scoreForm(s, added) {
  const name = h('input', { name: 'name', value: 'review', required: true, maxlength: 200, autocomplete: 'off' });
  const kind = h(
    'select',
    { name: 'kind' },
    KINDS.map(([k, label]) => h('option', { value: k }, label)),
  );
  const thumb = (value, label) =>
    h('label', { class: 'thumb' }, h('input', { type: 'radio', name: 'thumb', value }), label);
  const thumbs = h('span', { class: 'thumbs' }, thumb('true', '👍 Good'), thumb('false', '👎 Bad'));
  const number = h('input', { name: 'number', type: 'number', step: 'any', hidden: true });
  const label = h('input', { name: 'label', hidden: true, maxlength: 200, autocomplete: 'off' });
  const comment = h('textarea', { name: 'comment', rows: 2, maxlength: 4000 });
  const status = h('p', { class: 'form-status small', role: 'status' });
  const inputs = { thumbs, number, label };
  kind.addEventListener('change', () => {
    for (const [k, el] of Object.entries(inputs)) el.hidden = k !== kind.value;
  });
  const value = () => {
    if (kind.value === 'thumbs') {
      const picked = thumbs.querySelector('input:checked');
      if (!picked) throw new Error('Pick thumbs up or down.');
      return picked.value === 'true';
    }
    if (kind.value === 'number') {
      const n = Number(number.value);
      if (number.value.trim() === '' || !Number.isFinite(n)) throw new Error('Enter a number.');
      return n;
    }
    if (!label.value.trim()) throw new Error('Enter a label.');
    return label.value.trim();
  };
  const form = h(
    'form',
    {
      class: 'score-form',
      onsubmit: async (e) => {
        e.preventDefault();
        status.classList.remove('error-line');
        let body;
        try {
          body = { name: name.value.trim(), value: value() };
          if (comment.value.trim()) body.comment = comment.value.trim();
        } catch (err) {
          status.classList.add('error-line');
          status.textContent = err.message;
          return;
        }
        const button = form.querySelector('button');
        button.disabled = true;
        try {
          added(await send('POST', path`/api/sessions/${s.id}/scores`, body));
          comment.value = '';
          status.textContent = 'Score added.';
        } catch (err) {
          status.classList.add('error-line');
          status.textContent = err.message;
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h4', {}, 'Add a score'),
    h(
      'div',
      { class: 'score-fields' },
      h('label', { class: 'field' }, h('span', {}, 'Name'), name),
      h('label', { class: 'field' }, h('span', {}, 'Kind'), kind),
      h('div', { class: 'field' }, h('span', {}, 'Value'), thumbs, number, label),
    ),
    h('label', { class: 'field' }, h('span', {}, 'Comment (optional)'), comment),
    h('div', { class: 'field-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add score')),
    status,
  );
  return form;
}
