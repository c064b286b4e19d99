// Tool calls as a person reads them: a Bash command and its output as a terminal, a Write as a
// path and the file's content, a Read as a path and its text, a Glob as a pattern and its
// matches. Anything else as JSON. Large blocks are collapsed with a way to show them whole, and
// always say how much is hidden: nothing is cut silently. Every string lands in a text node.

import { h } from './dom.js';
import { asText, bytes, num, snippet } from './format.js';

/** Each status: its icon and how it reads. */
export const STATUS = {
  success: { icon: '✓', label: 'success' },
  error: { icon: '✕', label: 'failed' },
  interrupted: { icon: '■', label: 'interrupted' },
  not_completed: { icon: '…', label: 'not completed' },
  denied: { icon: '⊘', label: 'permission denied' },
};

/** The tags after a call's name: failed, denied (and by whom), interrupted, its MCP server. */
export function callTags(call) {
  const st = STATUS[call.status] ?? { label: call.status };
  return [
    call.status === 'error' ? h('span', { class: 'tag tag-error' }, 'failed') : null,
    call.status === 'denied'
      ? h(
          'span',
          { class: 'tag tag-warn', dataset: { deniedBy: call.denied_by ?? '' } },
          call.denied_by ? `denied by ${call.denied_by.replaceAll('_', ' ')}` : st.label,
        )
      : null,
    ['interrupted', 'not_completed'].includes(call.status) ? h('span', { class: 'tag tag-warn' }, st.label) : null,
    call.mcp_server
      ? h(
          'span',
          {
            class: 'tag tag-mcp',
            title: `Served by the MCP server ${call.mcp_server}`,
            dataset: { mcpServer: call.mcp_server },
          },
          `MCP ${call.mcp_server}`,
        )
      : null,
  ];
}

/** Lines shown before a block collapses. */
const MAX_LINES = 16;
/** Characters shown before a block collapses (for long single lines). */
const MAX_CHARS = 4000;

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v) => (typeof v === 'string' ? v : null);

/** One line saying what a call did: the command, the path, the pattern. */
export function summary(call) {
  const i = isObj(call.input) ? call.input : {};
  switch (call.tool_name) {
    case 'Bash':
      return str(i.command) ?? '';
    case 'Read':
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit':
      return str(i.file_path) ?? str(i.notebook_path) ?? '';
    case 'Glob':
    case 'Grep':
      return [str(i.pattern), str(i.path) && `in ${i.path}`].filter(Boolean).join(' ');
    case 'Task':
    case 'Agent':
      return [str(i.subagent_type), str(i.description)].filter(Boolean).join(': ');
    case 'WebFetch':
      return str(i.url) ?? '';
    case 'WebSearch':
      return str(i.query) ?? '';
    default: {
      const first = Object.values(i).find((v) => typeof v === 'string');
      return first ?? (call.input === null ? '' : snippet(JSON.stringify(call.input), 160));
    }
  }
}

/** A text block that collapses past `maxLines` (MAX_LINES) / MAX_CHARS and says what it hides. */
export function block(
  text,
  { kind = 'code', lineNumbers = false, startLine = 1, label, className, maxLines = MAX_LINES } = {},
) {
  const full = text ?? '';
  const lines = full.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const long = lines.length > maxLines || full.length > MAX_CHARS;
  const pre = h('pre', { class: ['block', `block-${kind}`, className] });
  const gutter = lineNumbers ? h('pre', { class: 'gutter', 'aria-hidden': 'true' }) : null;
  const show = (all) => {
    let shown = all ? lines : lines.slice(0, maxLines);
    let shownText = shown.join('\n');
    if (!all && shownText.length > MAX_CHARS) {
      shownText = shownText.slice(0, MAX_CHARS);
      shown = shownText.split('\n');
    }
    pre.textContent = shownText;
    if (gutter) gutter.textContent = shown.map((_, n) => String(startLine + n)).join('\n');
    return shownText.length;
  };
  const body = h('div', { class: ['block-body', lineNumbers && 'numbered'] }, gutter, pre);
  const wrap = h('div', { class: 'block-wrap' }, label ? h('div', { class: 'block-label' }, label) : null, body);
  if (full === '') {
    pre.classList.add('empty');
    pre.textContent = '(empty)';
    return wrap;
  }
  const shownChars = show(!long);
  if (long) {
    const note = h('span', {
      class: 'collapse-note',
    });
    const setNote = (all) => {
      note.textContent = all
        ? `All ${num(lines.length)} lines · ${bytes(full.length)}`
        : `Showing ${num(Math.min(maxLines, lines.length))} of ${num(lines.length)} lines` +
          (shownChars < full.length ? ` · ${bytes(shownChars)} of ${bytes(full.length)}` : '');
    };
    let expanded = false;
    const button = h('button', { type: 'button', class: 'btn-small' }, 'Show all');
    button.addEventListener('click', () => {
      expanded = !expanded;
      show(expanded);
      setNote(expanded);
      button.textContent = expanded ? 'Collapse' : 'Show all';
    });
    setNote(false);
    wrap.append(h('div', { class: 'collapse-bar' }, note, button));
  }
  return wrap;
}

function field(name, value) {
  if (value === null || value === undefined || value === '') return null;
  return h(
    'div',
    { class: 'kv' },
    h('span', { class: 'kv-key' }, name),
    h('code', { class: 'kv-value' }, asText(value)),
  );
}

function section(title, ...children) {
  return h('section', { class: 'tool-section' }, h('h4', {}, title), children);
}

function bash(i, o) {
  const out = [];
  if (isObj(o)) {
    if (str(o.stdout) !== null) out.push(block(o.stdout, { kind: 'terminal', label: 'stdout' }));
    if (str(o.stderr)) out.push(block(o.stderr, { kind: 'terminal', className: 'stderr', label: 'stderr' }));
    if (o.interrupted) out.push(h('p', { class: 'warn small' }, 'The command was interrupted.'));
  } else if (o !== null && o !== undefined) {
    out.push(block(asText(o), { kind: 'terminal' }));
  }
  return [
    section('Command', field('description', i.description), block(`$ ${asText(i.command)}`, { kind: 'terminal' })),
    out.length ? section('Output', out) : null,
  ];
}

function read(i, o) {
  const file = isObj(o) && isObj(o.file) ? o.file : null;
  return [
    section('File', field('path', i.file_path), field('offset', i.offset), field('limit', i.limit)),
    file
      ? section(
          `Text${file.totalLines ? ` · ${num(file.numLines ?? 0)} of ${num(file.totalLines)} lines` : ''}`,
          block(asText(file.content), { lineNumbers: true, startLine: file.startLine || 1 }),
        )
      : o !== null && o !== undefined
        ? section('Output', block(asText(o)))
        : null,
  ];
}

function write(i, o) {
  return [
    section('File', field('path', i.file_path), isObj(o) ? field('result', o.type) : null),
    section('Content', block(asText(i.content), { lineNumbers: true })),
  ];
}

function edit(i) {
  const edits = Array.isArray(i.edits) ? i.edits : [i];
  return [
    section('File', field('path', i.file_path), i.replace_all ? field('replace all', 'yes') : null),
    edits.map((e, n) =>
      section(
        edits.length > 1 ? `Edit ${n + 1}` : 'Edit',
        block(asText(e.old_string), { className: 'removed', label: 'before' }),
        block(asText(e.new_string), { className: 'added', label: 'after' }),
      ),
    ),
  ];
}

function glob(i, o) {
  const names = isObj(o) && Array.isArray(o.filenames) ? o.filenames : null;
  return [
    section(
      'Pattern',
      field('pattern', i.pattern),
      field('path', i.path),
      field('glob', i.glob),
      field('output mode', i.output_mode),
    ),
    names
      ? section(
          `Matches · ${num(o.numFiles ?? names.length)}${o.truncated ? ' (truncated by the tool)' : ''}`,
          block(names.join('\n')),
          str(o.content) ? block(o.content) : null,
        )
      : o !== null && o !== undefined
        ? section('Output', block(asText(o)))
        : null,
  ];
}

function task(i, o) {
  let text = null;
  if (isObj(o) && Array.isArray(o.content)) {
    text = o.content.map((c) => (isObj(c) && typeof c.text === 'string' ? c.text : asText(c))).join('\n');
  } else if (typeof o === 'string') {
    text = o;
  }
  return [
    section(
      'Sub-agent',
      field('type', i.subagent_type),
      field('description', i.description),
      field('background', i.run_in_background ? 'yes' : null),
    ),
    section('Prompt', block(asText(i.prompt), { kind: 'prose' })),
    text !== null
      ? section('Result', block(text, { kind: 'prose' }))
      : o !== null && o !== undefined
        ? section('Output', block(asText(o)))
        : null,
  ];
}

function generic(call, { withInput = true } = {}) {
  return [
    withInput ? section('Input', block(asText(call.input))) : null,
    call.output !== null ? section('Output', block(asText(call.output))) : null,
  ];
}

const RENDERERS = {
  Bash: bash,
  Read: read,
  Write: write,
  Edit: edit,
  MultiEdit: edit,
  Glob: glob,
  Grep: glob,
  Task: task,
  Agent: task,
};

/** Why a denied call was refused, and by whom; or the error of a failed one. */
function outcome(call) {
  if (call.status === 'denied') {
    return h(
      'section',
      { class: 'tool-section denial', dataset: { denial: 'true' } },
      h('h4', {}, call.denied_by ? `Denied by ${call.denied_by.replaceAll('_', ' ')}` : 'Denied'),
      call.error ? block(call.error, { kind: 'prose' }) : h('p', { class: 'muted small' }, 'No reason was given.'),
    );
  }
  return call.error ? section('Error', block(call.error, { kind: 'terminal', className: 'stderr' })) : null;
}

/** When a hook or canUseTool changed the input: what the model asked, and what the tool ran with. */
function changedInput(call) {
  if (call.updated_input === null || call.updated_input === undefined) return null;
  return h(
    'section',
    { class: 'tool-section changed-input', dataset: { changedInput: 'true' } },
    h('h4', {}, 'Input changed before the tool ran'),
    h(
      'div',
      { class: 'two' },
      block(asText(call.input), { label: 'model asked' }),
      block(asText(call.updated_input), { label: 'ran with' }),
    ),
  );
}

/** The call's input and output, drawn for its tool, with the raw JSON one click away. The tool
 * is drawn with the input it ran with. */
export function detail(call) {
  const changed = call.updated_input !== null && call.updated_input !== undefined;
  const ran = changed ? { ...call, input: call.updated_input } : call;
  const render = isObj(ran.input) ? RENDERERS[ran.tool_name] : null;
  // A tool drawn as JSON: the changed-input section already shows both inputs.
  const parts = render ? render(ran.input, ran.output) : generic(ran, { withInput: !changed });
  return h(
    'div',
    { class: 'tool-detail' },
    call.reasoning
      ? h(
          'p',
          { class: 'reasoning small', dataset: { reasoning: 'true' } },
          h('strong', {}, 'Reasoning: '),
          call.reasoning,
        )
      : null,
    outcome(call),
    changedInput(call),
    parts,
    render
      ? h(
          'details',
          { class: 'raw' },
          h('summary', {}, 'Raw input and output (JSON)'),
          block(asText(call.input), { label: 'input' }),
          changed ? block(asText(call.updated_input), { label: 'updated input' }) : null,
          block(call.output === null ? 'null' : asText(call.output), { label: 'output' }),
        )
      : null,
  );
}
