// The list pages: sync action definitions, syncs, contact lists and email groups.

import { get } from './api.js';
import { duration, h, number, pager, parseTime, replace, status, table, time } from './dom.js';

const BULK = '/api/bulk/2.0';
const PAGE = 50;
/** Statuses after which a sync no longer changes. */
export const FINISHED = new Set(['success', 'warning', 'error']);
/** Log codes whose count is the rows a sync read: staged (sync actions, imports), exported. */
const ROW_CODES = new Set(['ELQ-00140', 'ELQ-00130', 'ELQ-00102']);
/** How often pending and active syncs are polled (milliseconds). */
export const REFRESH_MS = 2000;

/** `/syncs/12` → `12`. */
export const idOf = (uri) => uri.slice(uri.lastIndexOf('/') + 1);

function heading(title) {
  document.title = `${title} · Loquat`;
  return h('h1', { tabindex: '-1' }, title);
}

/** Renders `sections` under a page heading and moves focus to it (a new page for assistive tech). */
function show(ctx, title, ...sections) {
  const top = heading(title);
  replace(ctx.main, top, ...sections);
  top.focus({ preventScroll: true });
}

// ---- Definitions -------------------------------------------------------------------------

export async function definitionsPage(ctx) {
  const section = h('section', { 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
  show(ctx, 'Sync action definitions', section);
  const load = async (offset) => {
    // Every record type's: contacts, accounts, email address imports.
    const page = await get(`${BULK}/syncActions?orderBy=createdAt%20DESC&limit=${PAGE}&offset=${offset}`, ctx.signal);
    const ids = page.items.map((d) => idOf(d.uri));
    const staged = new Map();
    if (ids.length) {
      const counts = await get(`/api/loquat/1.0/contacts/syncActions/staged?ids=${ids.join(',')}`, ctx.signal);
      for (const item of counts.items) staged.set(item.uri, item);
    }
    replace(section,
      table('Definitions, newest first. Staged files and rows are those waiting for the next sync (at most 500 files).', [
        { label: 'Name', cell: (d) => d.name },
        { label: 'Records', cell: (d) => d.uri.split('/')[1] },
        { label: 'URI', cell: (d) => h('code', {}, d.uri) },
        { label: 'Identifier', cell: (d) => `${d.identifierFieldName} = ${Object.values(d.fields ?? {})[0] ?? ''}` },
        { label: 'Actions', cell: (d) => h('ul', { class: 'plain' }, (d.syncActions ?? []).map((a) => h('li', {}, actionText(a)))) },
        { label: 'kbUsed', numeric: true, cell: (d) => number(d.kbUsed ?? 0) },
        { label: 'Staged files', numeric: true, cell: (d) => number(staged.get(d.uri)?.files ?? 0) },
        { label: 'Staged rows', numeric: true, cell: (d) => number(staged.get(d.uri)?.rows ?? 0) },
        { label: 'Updated', cell: (d) => time(d.updatedAt) },
      ], page.items, 'No definitions yet.'),
      pager('Definitions', page, (next) => load(next).catch(ctx.fail)));
  };
  await load(0);
}

function actionText(action) {
  return [action.action, action.destination, action.status].filter(Boolean).join(' ');
}

// ---- Syncs -------------------------------------------------------------------------------

/** Rows read by finished syncs, by uri (their logs never change). */
const finishedRows = new Map();

/** The count of the row line in a page of log lines, or `null` without one. */
export function rowsIn(logs) {
  const line = logs.items.find((l) => ROW_CODES.has(l.statusCode));
  return line ? line.count : null;
}

/** Rows a sync read (the count of its row log line), or `null` before it has one. */
export async function rowsOf(sync, signal) {
  if (finishedRows.has(sync.uri)) return finishedRows.get(sync.uri);
  const rows = rowsIn(await get(`${BULK}${sync.uri}/logs?limit=1000&totalResults=false`, signal));
  if (FINISHED.has(sync.status)) finishedRows.set(sync.uri, rows);
  return rows;
}

/** Seconds from start to end (to now while active), or `null` before it starts. */
export function secondsOf(sync) {
  const started = parseTime(sync.syncStartedAt);
  if (!started) return null;
  const ended = parseTime(sync.syncEndedAt) ?? (sync.status === 'active' ? new Date() : null);
  return ended ? Math.max(0, (ended - started) / 1000) : null;
}

/** Rows per second, or a dash when it cannot be told. */
export function rate(rows, seconds) {
  if (rows === null || !seconds) return '—';
  return number(Math.round(rows / seconds));
}

export async function syncsPage(ctx) {
  const section = h('section', {}, h('p', {}, 'Loading…'));
  const live = h('p', { class: 'live', role: 'status' });
  show(ctx, 'Syncs', live, section);
  let offset = 0;
  let timer = null;
  ctx.signal.addEventListener('abort', () => clearTimeout(timer));
  const load = async () => {
    clearTimeout(timer);
    const page = await get(`${BULK}/syncs?orderBy=createdAt%20DESC&limit=${PAGE}&offset=${offset}`, ctx.signal);
    const rows = await Promise.all(page.items.map((s) => rowsOf(s, ctx.signal)));
    const items = page.items.map((sync, i) => ({ sync, rows: rows[i], seconds: secondsOf(sync) }));
    replace(section,
      table('Syncs, newest first. Rows are those the sync read (its ELQ-00140 log line).', [
        { label: 'Sync', cell: ({ sync }) => h('a', { href: `#/syncs/${idOf(sync.uri)}` }, sync.uri) },
        { label: 'Of', cell: ({ sync }) => h('code', {}, sync.syncedInstanceUri) },
        { label: 'Status', cell: ({ sync }) => status(sync.status) },
        { label: 'Created', cell: ({ sync }) => time(sync.createdAt) },
        { label: 'Duration', numeric: true, cell: ({ seconds }) => duration(seconds) },
        { label: 'Rows', numeric: true, cell: ({ rows }) => number(rows) },
        { label: 'Rows/s', numeric: true, cell: ({ rows, seconds }) => rate(rows, seconds) },
      ], items, 'No syncs yet.'),
      pager('Syncs', page, (next) => { offset = next; load().catch(ctx.fail); }));
    const running = page.items.some((s) => !FINISHED.has(s.status));
    live.textContent = running ? `Refreshing every ${REFRESH_MS / 1000} s while syncs are pending or active.` : '';
    if (running && !ctx.signal.aborted) timer = setTimeout(() => load().catch(ctx.fail), REFRESH_MS);
  };
  await load();
}

// ---- Lists and email groups --------------------------------------------------------------

export async function listsPage(ctx) {
  const lists = h('section', { 'aria-labelledby': 'lists-title' }, h('h2', { id: 'lists-title' }, 'Contact lists'));
  const accountLists = h('section', { 'aria-labelledby': 'account-lists-title' }, h('h2', { id: 'account-lists-title' }, 'Account lists'));
  const groups = h('section', { 'aria-labelledby': 'groups-title' }, h('h2', { id: 'groups-title' }, 'Email groups'));
  const objects = h('section', { 'aria-labelledby': 'objects-title' }, h('h2', { id: 'objects-title' }, 'Custom objects'));
  show(ctx, 'Lists and email groups', lists, accountLists, groups, objects);
  const loadObjects = async (offset) => {
    const page = await get(`${BULK}/customObjects?orderBy=name&limit=${PAGE}&offset=${offset}`, ctx.signal);
    const counts = new Map();
    if (page.items.length) {
      const ids = page.items.map((o) => idOf(o.uri)).join(',');
      const found = await get(`/api/loquat/1.0/customObjects/records?ids=${ids}`, ctx.signal);
      for (const item of found.items) counts.set(item.uri, item);
    }
    replace(objects, h('h2', { id: 'objects-title' }, 'Custom objects'),
      table('Custom objects by name, with the records each holds.', [
        { label: 'Name', cell: (o) => o.name },
        { label: 'URI', cell: (o) => h('code', {}, o.uri) },
        { label: 'Records', numeric: true, cell: (o) => number(counts.get(o.uri)?.records ?? 0) },
        { label: 'Updated', cell: (o) => time(o.updatedAt) },
      ], page.items, 'No custom objects yet.'),
      pager('Custom objects', page, (next) => loadObjects(next).catch(ctx.fail)));
  };
  const loadAccountLists = async (offset) => {
    const page = await get(`${BULK}/accounts/lists?orderBy=name&limit=${PAGE}&offset=${offset}`, ctx.signal);
    replace(accountLists, h('h2', { id: 'account-lists-title' }, 'Account lists'),
      table('Account lists by name, with their current members.', [
        { label: 'Name', cell: (l) => l.name },
        { label: 'Statement', cell: (l) => h('code', {}, l.statement) },
        { label: 'Members', numeric: true, cell: (l) => number(l.count) },
        { label: 'Updated', cell: (l) => time(l.updatedAt) },
      ], page.items, 'No account lists yet.'),
      pager('Account lists', page, (next) => loadAccountLists(next).catch(ctx.fail)));
  };
  const loadLists = async (offset) => {
    const page = await get(`${BULK}/contacts/lists?orderBy=name&limit=${PAGE}&offset=${offset}`, ctx.signal);
    replace(lists, h('h2', { id: 'lists-title' }, 'Contact lists'),
      table('Contact lists by name, with their current members.', [
        { label: 'Name', cell: (l) => l.name },
        { label: 'Statement', cell: (l) => h('code', {}, l.statement) },
        { label: 'Members', numeric: true, cell: (l) => number(l.count) },
        { label: 'Updated', cell: (l) => time(l.updatedAt) },
      ], page.items, 'No contact lists yet.'),
      pager('Lists', page, (next) => loadLists(next).catch(ctx.fail)));
  };
  const loadGroups = async (offset) => {
    const page = await get(`${BULK}/emailGroups?orderBy=name&limit=${PAGE}&offset=${offset}`, ctx.signal);
    const counts = new Map();
    if (page.items.length) {
      const ids = page.items.map((g) => idOf(g.uri)).join(',');
      const found = await get(`/api/loquat/1.0/emailGroups/subscriptions?ids=${ids}`, ctx.signal);
      for (const item of found.items) counts.set(item.uri, item);
    }
    replace(groups, h('h2', { id: 'groups-title' }, 'Email groups'),
      table('Email groups by name. Counts are contacts whose subscription was set; contacts never set read as subscribed.', [
        { label: 'Name', cell: (g) => g.name },
        { label: 'Statement', cell: (g) => h('code', {}, g.statement) },
        { label: 'Subscribed', numeric: true, cell: (g) => number(counts.get(g.uri)?.subscribed ?? 0) },
        { label: 'Unsubscribed', numeric: true, cell: (g) => number(counts.get(g.uri)?.unsubscribed ?? 0) },
        { label: 'Updated', cell: (g) => time(g.updatedAt) },
      ], page.items, 'No email groups yet.'),
      pager('Groups', page, (next) => loadGroups(next).catch(ctx.fail)));
  };
  await Promise.all([loadLists(0), loadAccountLists(0), loadGroups(0), loadObjects(0)]);
}
