// Alerts: the project's rules with their state and last firing (pause, resume, delete), a form
// for a new rule, and the history of webhook deliveries with their outcome. Changes go through
// the API with the sign-in cookie (they need a sign-in that holds `admin`, see docs/alerts.md).

import { api, send } from './api.js';
import { h, replace } from './dom.js';
import { ago, datetime } from './format.js';
import { href, path } from './routes.js';
import { card } from './widgets.js';

/** The metrics a rule may measure; the collector checks and lists them too (alert/rule.rs). */
const METRICS = [
  ['cost_usd', 'Cost (USD)'],
  ['sessions', 'Sessions'],
  ['failed_sessions', 'Failed sessions'],
  ['failure_rate', 'Failure rate (0–1)'],
  ['issues', 'Detected issues of a kind'],
  ['p95_duration_ms', 'p95 duration (ms)'],
  ['avg_score', 'Average score of a name'],
];

export async function alertsPage(root) {
  const [{ rules }, { deliveries }] = await Promise.all([api('/api/alert-rules'), api('/api/alerts')]);
  const names = new Map(rules.map((r) => [r.id, r.name]));
  const redraw = () => alertsPage(root);
  replace(
    root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Alerts')),
    card('Rules', 'rules', rules.length ? rulesTable(rules, redraw) : h('p', { class: 'muted' }, 'No rules yet.')),
    card('New rule', 'new-rule', ruleForm(redraw)),
    card(
      'Deliveries',
      'history',
      deliveries.length ? historyTable(deliveries, names) : h('p', { class: 'muted' }, 'Nothing sent yet.'),
    ),
  );
}

/** `cost_usd(loop) > 5 over 60 min`. */
function condition(r) {
  const arg = r.issue_kind ?? r.score_name;
  return `${r.metric}${arg ? `(${arg})` : ''} ${r.op} ${r.threshold} over ${r.window_minutes} min`;
}

function when(ts) {
  return ts ? h('span', { title: datetime(ts) }, ago(ts)) : h('span', { class: 'muted' }, 'never');
}

function rulesTable(rules, redraw) {
  const act = (label, run) =>
    h('button', { type: 'button', class: 'btn-small', onclick: () => run().then(redraw, showError) }, label);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'alert-rules' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Rule', 'Condition', 'Per', 'State', 'Last fired', 'Webhook', ''].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        rules.map((r) =>
          h(
            'tr',
            { dataset: { ruleId: r.id, state: r.state } },
            h('td', {}, r.name),
            h('td', {}, h('code', {}, condition(r)), r.cooldown_minutes ? ` · cooldown ${r.cooldown_minutes} min` : ''),
            h('td', {}, r.group_by ?? '—'),
            h(
              'td',
              {},
              h('span', { class: ['badge', `st-${r.state}`] }, r.state),
              r.groups.filter((g) => g.state === 'firing' && g.group).map((g) => h('span', { class: 'tag' }, g.group)),
            ),
            h('td', {}, when(r.last_fired_at)),
            h('td', { class: 'muted small' }, r.webhook_url),
            h(
              'td',
              { class: 'field-actions' },
              act(r.paused ? 'Resume' : 'Pause', () =>
                send('PATCH', path`/api/alert-rules/${r.id}`, { paused: !r.paused }),
              ),
              act('Delete', () =>
                confirm(`Delete the rule “${r.name}” and its history?`)
                  ? send('DELETE', path`/api/alert-rules/${r.id}`)
                  : Promise.resolve(),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function showError(err) {
  alert(err.message);
}

function field(label, control) {
  return h('label', { class: 'field' }, label, control);
}

function ruleForm(redraw) {
  const input = (name, attrs = {}) => h('input', { name, ...attrs });
  const select = (name, options) =>
    h(
      'select',
      { name },
      options.map(([value, text]) => h('option', { value }, text)),
    );
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const onsubmit = async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const text = (k) => String(f.get(k) ?? '').trim();
    const number = (k) => (text(k) === '' ? undefined : Number(text(k)));
    const metric = text('metric');
    const body = {
      name: text('name'),
      metric,
      group_by: text('group_by') || undefined,
      window_minutes: number('window_minutes'),
      op: text('op'),
      threshold: number('threshold'),
      webhook_url: text('webhook_url'),
      cooldown_minutes: number('cooldown_minutes'),
    };
    if (metric === 'issues') body.issue_kind = text('arg');
    if (metric === 'avg_score') body.score_name = text('arg');
    try {
      await send('POST', '/api/alert-rules', body);
      await redraw();
    } catch (err) {
      error.hidden = false;
      error.textContent = err.message;
    }
  };
  return h(
    'form',
    { class: 'alert-form', onsubmit },
    field('Name', input('name', { required: true, placeholder: 'Spend per user' })),
    field('Metric', select('metric', METRICS)),
    field('Issue kind or score name', input('arg', { placeholder: 'loop / helpful' })),
    field(
      'Per',
      select('group_by', [
        ['', 'whole project'],
        ['user_id', 'user'],
        ['agent', 'agent'],
      ]),
    ),
    field(
      'Is',
      select('op', [
        ['>', 'above'],
        ['<', 'below'],
      ]),
    ),
    field('Threshold', input('threshold', { required: true, type: 'number', step: 'any' })),
    field('Window (minutes)', input('window_minutes', { required: true, type: 'number', min: 1, value: 60 })),
    field('Cooldown (minutes)', input('cooldown_minutes', { type: 'number', min: 0, value: 0 })),
    field(
      'Webhook URL',
      input('webhook_url', { required: true, type: 'url', placeholder: 'https://hooks.slack.com/…' }),
    ),
    h('div', { class: 'field-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add rule')),
    error,
  );
}

function historyTable(deliveries, names) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'alert-history' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['When', 'Rule', 'Group', 'Change', 'Value', 'Outcome', 'Tries', 'Sessions'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        deliveries.map((d) =>
          h(
            'tr',
            { dataset: { deliveryId: d.id, status: d.status } },
            h('td', {}, when(d.created_at)),
            h('td', {}, names.get(d.rule_id) ?? d.rule_id),
            h('td', {}, d.group || '—'),
            h('td', {}, h('span', { class: ['badge', `st-${d.state}`] }, d.state)),
            h('td', {}, d.value === null ? '—' : String(Math.round(d.value * 10_000) / 10_000)),
            h(
              'td',
              { title: d.last_error ?? '' },
              h('span', { class: ['badge', `st-${d.status}`] }, d.status),
              d.response_status ? ` ${d.response_status}` : '',
              d.last_error && d.status !== 'delivered' ? h('div', { class: 'muted small' }, d.last_error) : null,
            ),
            h('td', {}, String(d.attempts)),
            h(
              'td',
              {},
              (d.body.sessions ?? []).map((s) => h('a', { href: href.session(s.id), class: 'tag' }, s.id)),
            ),
          ),
        ),
      ),
    ),
  );
}
