// Sign in: with the link `sentrial serve` printed, or by pasting an API key.

import { h, replace } from './dom.js';

const ERRORS = {
  link: 'That sign-in link is used, expired or not valid. `sentrial dashboard link` prints a fresh one, or paste an API key.',
  key: 'That API key is not known to this collector.',
  scope: "That API key cannot read: it lacks the 'read' scope. Mint one with `sentrial key new --scope read`.",
};

export function loginPage(root) {
  const error = ERRORS[new URLSearchParams(location.search).get('error')];
  replace(
    root,
    h(
      'div',
      { class: 'login card' },
      h('h1', {}, 'Sign in to Sentrial'),
      h(
        'p',
        { class: 'muted' },
        'Open the Dashboard link that ',
        h('code', {}, 'sentrial serve'),
        ' printed, or paste an API key of this collector.',
      ),
      error ? h('p', { class: 'alert', role: 'alert' }, error) : null,
      h(
        'form',
        { method: 'post', action: '/login', class: 'login-form' },
        h(
          'label',
          { class: 'field' },
          h('span', {}, 'API key'),
          h('input', {
            type: 'password',
            name: 'key',
            required: true,
            autocomplete: 'current-password',
            placeholder: 'sk_sentrial_…',
          }),
        ),
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in'),
      ),
    ),
  );
  return null;
}
