// DOM helpers. Data reaches the page only as text nodes and as attribute values set through the
// DOM API: nothing an agent read or wrote is ever parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An HTML element: h('a', { href: '/x', class: 'y', onclick: fn }, 'text', child, [more]). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, same form as h(). */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    // CSSOM, not a style attribute: allowed by the page's CSP (style-src 'self').
    else if (name === 'style') for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, v);
    else if (name === 'href') el.setAttribute('href', internalHref(value));
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  return append(el, children);
}

/** Appends children: nodes as they are, anything else as text. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Links stay on this origin: anything that is not a plain path becomes '#'. */
function internalHref(value) {
  const href = String(value);
  return href.startsWith('/') && !href.startsWith('//') ? href : '#';
}
