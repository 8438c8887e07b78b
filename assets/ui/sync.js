// One sync: its properties, log lines and rejects (100 a page), and every reject as a CSV
// file built in the browser by paging through the API.

import { get } from './api.js';
import { duration, h, number, pager, replace, status, table, time } from './dom.js';
import { FINISHED, REFRESH_MS, rate, rowsIn, secondsOf } from './pages.js';

const BULK = '/api/bulk/2.0';
const REJECTS_PAGE = 100;
/** The API's largest page, for the CSV download. */
const DOWNLOAD_PAGE = 1000;

export async function syncPage(ctx, id) {
  const uri = `/syncs/${id}`;
  const top = h('h1', { tabindex: '-1' }, `Sync ${uri}`);
  const summary = h('section', { 'aria-labelledby': 'summary-title' });
  const logs = h('section', { 'aria-labelledby': 'logs-title' });
  const rejects = h('section', { 'aria-labelledby': 'rejects-title' });
  document.title = `Sync ${id} · Loquat`;
  replace(ctx.main, h('p', {}, h('a', { href: '#/syncs' }, '← All syncs')), top, summary, logs, rejects);
  top.focus({ preventScroll: true });
  let timer = null;
  ctx.signal.addEventListener('abort', () => clearTimeout(timer));
  const load = async () => {
    const sync = await get(`${BULK}${uri}`, ctx.signal);
    const lines = await get(`${BULK}${uri}/logs?limit=1000`, ctx.signal);
    showSummary(summary, sync, rowsIn(lines));
    showLogs(logs, lines);
    if (FINISHED.has(sync.status)) {
      await showRejects(ctx, rejects, uri, 0);
    } else {
      replace(rejects, h('h2', { id: 'rejects-title' }, 'Rejects'), h('p', {}, 'Rejects appear when the sync ends.'));
      timer = setTimeout(() => load().catch(ctx.fail), REFRESH_MS);
    }
  };
  await load();
}

function showSummary(section, sync, rows) {
  const seconds = secondsOf(sync);
  const entry = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
  replace(section, h('h2', { id: 'summary-title', class: 'visually-hidden' }, 'Summary'),
    h('dl', { class: 'summary' },
      entry('Status', status(sync.status)),
      entry('Of', h('code', {}, sync.syncedInstanceUri)),
      entry('Created', [time(sync.createdAt), ` by ${sync.createdBy ?? '—'}`]),
      entry('Started', time(sync.syncStartedAt)),
      entry('Ended', time(sync.syncEndedAt)),
      entry('Duration', duration(seconds)),
      entry('Rows', number(rows)),
      entry('Rows/s', rate(rows, seconds)),
      sync.callbackUrl ? entry('Callback', h('code', {}, sync.callbackUrl)) : null));
}

function showLogs(section, page) {
  replace(section, h('h2', { id: 'logs-title' }, 'Logs'),
    table('Log lines in the order the sync wrote them.', [
      { label: 'Code', cell: (l) => h('code', {}, l.statusCode) },
      { label: 'Severity', cell: (l) => h('span', { class: `severity-${l.severity}` }, l.severity) },
      { label: 'Count', numeric: true, cell: (l) => number(l.count) },
      { label: 'Message', cell: (l) => l.message },
      { label: 'At', cell: (l) => time(l.createdAt) },
    ], page.items, 'No log lines yet.'));
}

async function showRejects(ctx, section, uri, offset) {
  const page = await get(`${BULK}${uri}/rejects?limit=${REJECTS_PAGE}&offset=${offset}`, ctx.signal);
  const progress = h('span', { role: 'status', class: 'progress' });
  const download = h('button', { type: 'button', disabled: page.totalResults === 0 }, 'Download CSV');
  download.addEventListener('click', () => {
    download.disabled = true;
    downloadCsv(ctx, uri, progress)
      .catch(ctx.fail)
      .finally(() => { download.disabled = false; });
  });
  replace(section, h('h2', { id: 'rejects-title' }, 'Rejects'),
    h('p', { class: 'actions' }, download, ' ', progress),
    table('Rejected rows by record index (1-based across the sync\u2019s files, in upload order).', [
      { label: 'Record', numeric: true, cell: (r) => number(r.recordIndex) },
      { label: 'Field values', cell: (r) => fieldValues(r.fieldValues) },
      { label: 'Code', cell: (r) => h('code', {}, r.statusCode) },
      { label: 'Message', cell: (r) => r.message },
      { label: 'Invalid fields', cell: (r) => (r.invalidFields ?? []).join(', ') },
    ], page.items, 'No rejects.'),
    pager('Rejects', page, (next) => showRejects(ctx, section, uri, next).catch(ctx.fail)));
}

function fieldValues(values) {
  const entries = Object.entries(values ?? {});
  if (!entries.length) return '—';
  return h('ul', { class: 'plain' }, entries.map(([k, v]) => h('li', {}, h('span', { class: 'key' }, `${k}: `), String(v))));
}

/**
 * Pages through every reject and saves them as `sync-{id}-rejects.csv`: a header line, then
 * one line per reject (record index, status code, message, invalid fields, then one column
 * per field the rejects carry).
 */
async function downloadCsv(ctx, uri, progress) {
  const all = [];
  const columns = new Set();
  for (let offset = 0; ; offset += DOWNLOAD_PAGE) {
    const page = await get(`${BULK}${uri}/rejects?limit=${DOWNLOAD_PAGE}&offset=${offset}`, ctx.signal);
    for (const reject of page.items) {
      all.push(reject);
      for (const key of Object.keys(reject.fieldValues ?? {})) columns.add(key);
    }
    progress.textContent = `Fetched ${number(all.length)} of ${number(page.totalResults)} rejects…`;
    if (!page.hasMore) break;
  }
  const fields = [...columns];
  const lines = [['recordIndex', 'statusCode', 'message', 'invalidFields', ...fields].map(csvField).join(',')];
  for (const r of all) {
    const values = fields.map((f) => r.fieldValues?.[f] ?? '');
    lines.push([r.recordIndex, r.statusCode, r.message, (r.invalidFields ?? []).join(';'), ...values].map(csvField).join(','));
  }
  const blob = new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: `sync-${uri.split('/').pop()}-rejects.csv`, hidden: true });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  progress.textContent = `Saved ${number(all.length)} rejects.`;
}

/**
 * One RFC 4180 field: quoted when it holds a comma, a quote or a line break. A value a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR, and not a plain
 * number) gets a leading ', as the server's CSV does (OWASP's advice for CSV injection).
 */
function csvField(value) {
  let text = String(value ?? '');
  if (/^[=+\-@\t\r]/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
