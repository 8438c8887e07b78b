// Building the page. Every value from the API goes in as a text node or an attribute, never
// as markup, so nothing a client uploaded can become HTML or script here.

/**
 * An element: `attrs` become attributes (`on…` functions become listeners, `false`/`null`
 * values are skipped); `children` are nodes or strings (strings become text nodes), nested
 * arrays are flattened and `null`/`undefined`/`false` children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent` with `children`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * A data table: a caption, one header cell per column (`scope="col"`), and one row per item.
 * `columns` are `{ label, cell: item => node or string, numeric?: true }`.
 */
export function table(caption, columns, items, empty = 'None.') {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)));
  const rows = items.length
    ? items.map((item) => h('tr', {}, columns.map((c) => h('td', { class: c.numeric ? 'num' : null }, c.cell(item)))))
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty))];
  return h('table', {}, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, rows));
}

/**
 * "Items 1–100 of 240" with Previous and Next buttons; `go(offset)` loads another page.
 * `page` is a Bulk envelope (`offset`, `limit`, `count`, `totalResults`, `hasMore`).
 */
export function pager(label, page, go) {
  const first = page.count ? page.offset + 1 : 0;
  const last = page.offset + page.count;
  const total = page.totalResults ?? '?';
  return h('nav', { class: 'pager', 'aria-label': `${label} pages` },
    h('span', {}, `${label} ${first}–${last} of ${total}`),
    h('button', { type: 'button', disabled: page.offset === 0, onclick: () => go(Math.max(0, page.offset - page.limit)) }, 'Previous'),
    h('button', { type: 'button', disabled: !page.hasMore, onclick: () => go(page.offset + page.limit) }, 'Next'));
}

/** An Eloqua timestamp (`2024-05-01T12:00:00.1230000Z`) as a Date; `null` when absent. */
export function parseTime(text) {
  if (!text) return null;
  // Seven fractional digits are more than Date.parse promises to read: keep milliseconds.
  const time = Date.parse(text.replace(/\.(\d{1,3})\d*Z$/, '.$1Z'));
  return Number.isNaN(time) ? null : new Date(time);
}

/** A `<time>` showing an Eloqua timestamp in local time, or a dash. */
export function time(text) {
  const date = parseTime(text);
  if (!date) return '—';
  const pad = (n) => String(n).padStart(2, '0');
  const shown = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return h('time', { datetime: date.toISOString(), title: text }, shown);
}

/** Seconds as `0.42 s`, `12.3 s` or `2 min 5 s`. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** A whole number with thousands separators. */
export function number(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

/** A sync status as a badge (the word itself is the information; colour only repeats it). */
export function status(text) {
  return h('span', { class: `status status-${text}` }, text);
}
