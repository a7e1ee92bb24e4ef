// Small helpers shared by the pages: building DOM nodes (text only: data never becomes HTML),
// calling the API, formatting numbers and dates.
import { t } from './i18n.js';

// h('div', {class: 'x', onclick: f}, child, 'text', [more]) → an element. Attributes become
// properties or attributes; children are nodes or text (never parsed as HTML).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// The session's CSRF token (given at login; kept for this tab only).
export const session = {
  get csrf() { return sessionStorage.getItem('crisk.csrf') || ''; },
  set csrf(v) { if (v) sessionStorage.setItem('crisk.csrf', v); else sessionStorage.removeItem('crisk.csrf'); },
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

// Calls the API: GET by default; a body is sent as JSON and writes carry the CSRF token.
export async function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  const resp = await fetch('/api/v1' + path, { method, headers, body, credentials: 'same-origin' });
  let data = null;
  const type = resp.headers.get('Content-Type') || '';
  if (type.startsWith('application/json')) data = await resp.json();
  if (!resp.ok) {
    const e = data && data.error ? data.error : { code: String(resp.status), message: resp.statusText };
    throw new ApiError(resp.status, e.code, e.message);
  }
  return data;
}

// A query string of the non-empty values of o.
export function qs(o) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? '?' + s : '';
}

export function num(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return Number(n).toLocaleString(document.documentElement.lang, {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  });
}

export function pct(x, digits = 1) {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(digits) + '%';
}

// An error as a message box.
export function errorBox(e) {
  const msg = e instanceof ApiError ? t('error.api', e.status, e.code, e.message) : String(e && e.message || e);
  return h('p', { class: 'error', role: 'alert' }, msg);
}

// A table: cols = [{label, cell: row → node|text, class?}], rows.
export function table(cols, rows, opts = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, opts.empty || t('common.none'));
  return h('table', { class: 'grid' + (opts.class ? ' ' + opts.class : '') },
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { class: c.class }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-key': opts.key ? opts.key(r) : undefined },
      cols.map((c) => h('td', { class: c.class }, c.cell(r)))))));
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

export function link(href, text) {
  return h('a', { href }, text);
}

// A text that is safe inside a chart tooltip (ECharts puts the formatter's text in as HTML).
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
