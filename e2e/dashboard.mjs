// End-to-end test of the web dashboard in headless Chromium.
//
// Starts `target/debug/loquat serve` on a port the system picks (read from the `listening on`
// line it prints) and a fresh data directory, arranges a contact list, an email group,
// contacts and two sync action definitions through the API, uploads rows (some with unknown
// email addresses, which become rejects) and starts a sync; then signs in through the page and
// checks every page, the live sync status, the paged rejects and the CSV download.
// Screenshots of each page go to $LOQUAT_E2E_SCREENSHOTS (default: docs/screenshots).
//
// Run: `npm install --no-package-lock && node dashboard.mjs` in e2e/ after `cargo build`.
// Environment: LOQUAT_BIN (default target/debug/loquat), CHROMIUM (default /usr/bin/chromium).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.LOQUAT_BIN ?? join(ROOT, 'target/debug/loquat');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = resolve(ROOT, process.env.LOQUAT_E2E_SCREENSHOTS ?? 'docs/screenshots');
const SITE = 'E2E';
const USER = 'dashboard';
const PASSWORD = 'e2e-password-1';
/** Longest wait for anything (server start, a sync, an element). */
const DEADLINE_MS = 30_000;
/** Rows whose address no contact has: rejects, enough for two pages. */
const UNKNOWN = 150;
/**
 * One more unknown address, made of a spreadsheet formula, markup and CSV syntax: it must show
 * as plain text, and the CSV download must keep spreadsheets from running it.
 */
const HOSTILE = '=HYPERLINK("http://x.example") <b>bold</b>, "quoted"@example.com';
const REJECTS = UNKNOWN + 1;
/** Rows of the sync: two known contacts, then the unknown ones. */
const ROWS = REJECTS + 2;

/**
 * Starts `loquat serve` on a port the system picks; `base` resolves to the address from the
 * line `listening on http://…` the server prints once it listens.
 */
function serve(work) {
  const server = spawn(BIN, ['serve', '--data-dir', join(work, 'data'), '--bind', '127.0.0.1:0'], {
    env: {
      ...process.env,
      LOQUAT_BOOTSTRAP_SITE: SITE,
      LOQUAT_BOOTSTRAP_USER: USER,
      LOQUAT_BOOTSTRAP_PASSWORD: PASSWORD,
      LOQUAT_LOG: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = new Promise((done, fail) => {
    let printed = '';
    server.stdout.setEncoding('utf8');
    // Read stdout to its end, so the server never blocks on a full pipe.
    server.stdout.on('data', (chunk) => {
      printed += chunk;
      const listening = printed.match(/^listening on (\S+)$/m);
      if (listening) done(listening[1]);
    });
    server.on('exit', (code) => fail(new Error(`loquat serve exited (${code}) before it listened`)));
  });
  return { server, base };
}

/** Polls `check` until it returns a truthy value, failing after the deadline. */
async function until(what, check) {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A small client for arranging state through the API. */
function client(base) {
  const authorization = `Basic ${Buffer.from(`${SITE}\\${USER}:${PASSWORD}`).toString('base64')}`;
  return async function call(method, path, body, type = 'application/json') {
    const response = await fetch(base + path, {
      method,
      headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': type }) },
      body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

async function arrange(call) {
  for (const email of ['fred@example.com', 'wilma@example.com', 'barney@example.com']) {
    await call('POST', '/api/REST/1.0/data/contact', { emailAddress: email });
  }
  const list = await call('POST', '/api/REST/1.0/assets/contact/list', { name: 'Webinar registrants' });
  const group = await call('POST', '/api/REST/1.0/assets/email/group', { name: 'Monthly newsletter' });
  const email = { Email: '{{Contact.Field(C_EmailAddress)}}' };
  const webinar = await call('POST', '/api/bulk/2.0/contacts/syncActions', {
    name: 'Add webinar registrants',
    fields: email,
    identifierFieldName: 'Email',
    syncActions: [
      { action: 'add', destination: `{{ContactList[${list.id}]}}` },
      { action: 'setStatus', destination: `{{EmailGroup[${group.id}]}}`, status: 'unsubscribed' },
    ],
  });
  const nightly = await call('POST', '/api/bulk/2.0/contacts/syncActions', {
    name: 'Nightly unsubscribes',
    fields: email,
    identifierFieldName: 'Email',
    syncActions: [{ action: 'setStatus', destination: '{{GlobalSubscribe}}', status: 'unsubscribed' }],
  });
  // Two files: JSON with known contacts, CSV with addresses no contact has (rejects).
  await call('POST', `/api/bulk/2.0${webinar.uri}/data`, [{ Email: 'fred@example.com' }, { Email: 'wilma@example.com' }]);
  const unknown = Array.from({ length: UNKNOWN }, (_, i) => `nobody${i + 1}@example.com`);
  const hostile = `"${HOSTILE.replaceAll('"', '""')}"`;
  await call('POST', `/api/bulk/2.0${webinar.uri}/data`, `Email\n${unknown.join('\n')}\n${hostile}\n`, 'text/csv');
  // Staged and left for a later sync, so the definitions page has files to show.
  await call('POST', `/api/bulk/2.0${nightly.uri}/data`, [{ Email: 'barney@example.com' }]);
  await call('POST', `/api/bulk/2.0${nightly.uri}/data`, 'Email\nbetty@example.com\n', 'text/csv');
  const sync = await call('POST', '/api/bulk/2.0/syncs', { syncedInstanceUri: webinar.uri });
  // An account list and an account definition adding to it: the pages show every record type.
  const account = await call('POST', '/api/REST/1.0/data/account', { name: 'Acme' });
  const accountList = await call('POST', '/api/loquat/1.0/accounts/list', { name: 'Key accounts', membershipAdditions: [account.id] });
  const accounts = await call('POST', '/api/bulk/2.0/accounts/syncActions', {
    name: 'Key accounts',
    fields: { Company: '{{Account.Field(M_CompanyName)}}' },
    identifierFieldName: 'Company',
    syncActions: [{ action: 'add', destination: `{{AccountList[${accountList.id}]}}` }],
  });
  const object = await call('POST', '/api/REST/2.0/assets/customObject', {
    name: 'Event registrations', fields: [{ name: 'Email', dataType: 'text' }],
  });
  for (const value of ['a@example.com', 'b@example.com']) {
    await call('POST', `/api/REST/2.0/data/customObject/${object.id}/instance`, {
      fieldValues: [{ id: object.fields[0].id, value }],
    });
  }
  return { webinar, nightly, sync, list, group, accounts, accountList, object };
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'loquat-e2e-'));
  const { server, base: listening } = serve(work);
  const exited = new Promise((done) => server.on('exit', done));
  let browser = null;
  try {
    const base = await listening;
    await until('the server', async () => (await fetch(`${base}/ui`)).ok);
    const call = client(base);
    const arranged = await arrange(call);
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      acceptDownloads: true,
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      timezoneId: 'UTC',
    });
    browser.setDefaultTimeout(DEADLINE_MS);
    const page = browser.pages()[0] ?? await browser.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A CSP violation is reported on the console as an error; so is any script failure.
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
    await scenario(page, base, arranged, work);
    assert.deepEqual(problems, [], 'no script errors or policy violations');
    console.log(`ok: dashboard end-to-end (screenshots in ${SHOTS})`);
  } finally {
    await browser?.close();
    server.kill('SIGTERM');
    await exited;
    await rm(work, { recursive: true, force: true });
  }
}

async function scenario(page, base, { webinar, nightly, sync, list, group, accounts, accountList, object }, work) {
  const shot = (name, fullPage = true) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  const row = (text) => page.getByRole('row').filter({ hasText: text });
  const notice = page.locator('#notice');

  // Sign-in: a wrong password shows the API's own message and keeps nothing.
  await page.goto(`${base}/ui`);
  await page.getByLabel('Site').fill(SITE);
  await page.getByLabel('User').fill(USER);
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await notice.getByText('You are not authorized to make this request.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.getByLabel('Password').fill(PASSWORD);
  await shot('signin');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sync action definitions' }).waitFor();
  assert.equal(await notice.textContent(), '');
  const stored = await page.evaluate(() => Object.keys(sessionStorage));
  assert.deepEqual(stored, ['loquat.credentials']);
  assert.equal(await page.evaluate(() => localStorage.length + document.cookie.length), 0);

  // Definitions: kbUsed and staged files (the synced one's files belong to its sync now).
  const nightlyRow = row(nightly.uri);
  await nightlyRow.waitFor();
  const cells = await nightlyRow.getByRole('cell').allTextContents();
  assert.equal(cells[0], 'Nightly unsubscribes');
  assert.equal(cells[1], 'contacts');
  assert.equal(cells[6], '2', `staged files: ${cells}`);
  assert.equal(cells[7], '2', `staged rows: ${cells}`);
  assert.ok(Number(cells[5]) >= 1, `kbUsed: ${cells}`);
  assert.equal((await row(webinar.uri).getByRole('cell').allTextContents())[6], '0');
  const accountCells = await row(accounts.uri).getByRole('cell').allTextContents();
  assert.deepEqual(accountCells.slice(0, 2), ['Key accounts', 'accounts']);
  await shot('definitions');

  // Syncs: the sync reaches `warning` (the page refreshes by itself while it runs).
  await page.getByRole('link', { name: 'Syncs' }).click();
  const syncRow = row(sync.uri);
  await syncRow.getByText('warning', { exact: true }).waitFor();
  const syncCells = await syncRow.getByRole('cell').allTextContents();
  assert.equal(syncCells[5], String(ROWS), `rows: ${syncCells}`);
  assert.match(syncCells[4], /\d s$/, `duration: ${syncCells}`);
  await shot('syncs');

  // One sync: logs, rejects paged 100 at a time, and the CSV of all of them.
  await page.getByRole('link', { name: sync.uri }).click();
  await page.getByRole('heading', { name: `Sync ${sync.uri}` }).waitFor();
  await row('ELQ-00140').waitFor();
  assert.match(await row('ELQ-00140').textContent(), new RegExp(`${ROWS}`));
  await row('ELQ-00085').first().waitFor();
  await page.getByText(`Rejects 1–100 of ${REJECTS}`).waitFor();
  assert.ok(await row('nobody1@example.com').first().isVisible());
  // Tall enough for the summary, the logs and the first rejects (all 100 would be too long).
  await page.setViewportSize({ width: 1280, height: 1400 });
  await shot('sync', false);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText(`Rejects 101–${REJECTS} of ${REJECTS}`).waitFor();
  await row(`nobody${UNKNOWN}@example.com`).waitFor();
  // Values are text, never markup.
  await row(HOSTILE).waitFor();
  assert.equal(await page.locator('main b').count(), 0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `sync-${sync.uri.split('/').pop()}-rejects.csv`);
  const saved = join(work, 'rejects.csv');
  await download.saveAs(saved);
  const lines = (await readFile(saved, 'utf8')).trimEnd().split('\r\n');
  assert.equal(lines[0], 'recordIndex,statusCode,message,invalidFields,Email');
  assert.equal(lines.length, REJECTS + 1);
  assert.match(lines[1], /^3,ELQ-00085,.*,nobody1@example\.com$/);
  assert.match(lines[UNKNOWN], new RegExp(`^${UNKNOWN + 2},ELQ-00085,.*,nobody${UNKNOWN}@example\\.com$`));
  assert.ok(lines[REJECTS].startsWith(`${ROWS},ELQ-00085,`), lines[REJECTS]);
  const safe = `"'${HOSTILE.replaceAll('"', '""')}"`;
  assert.ok(lines[REJECTS].endsWith(`,${safe}`), lines[REJECTS]);
  await page.getByText(`Saved ${REJECTS} rejects.`).waitFor();

  // Lists and groups: the sync added two contacts to the list and unsubscribed them.
  await page.getByRole('link', { name: 'Lists and groups' }).click();
  await row('Webinar registrants').waitFor();
  await row('Monthly newsletter').waitFor();
  const listCells = await row('Webinar registrants').getByRole('cell').allTextContents();
  assert.equal(listCells[1], `{{ContactList[${list.id}]}}`);
  assert.equal(listCells[2], '2');
  const groupCells = await row('Monthly newsletter').getByRole('cell').allTextContents();
  assert.deepEqual(groupCells.slice(1, 4), [`{{EmailGroup[${group.id}]}}`, '0', '2']);
  const accountListCells = await row(`{{AccountList[${accountList.id}]}}`).getByRole('cell').allTextContents();
  assert.deepEqual(accountListCells.slice(0, 3), ['Key accounts', `{{AccountList[${accountList.id}]}}`, '1']);
  const objectCells = await row(`/customObjects/${object.id}`).getByRole('cell').allTextContents();
  assert.deepEqual(objectCells.slice(0, 3), ['Event registrations', `/customObjects/${object.id}`, '2']);
  await shot('lists');

  // Sign-out forgets the credentials.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  // Too many wrong passwords: the page says how long to wait (429 with Retry-After).
  await page.getByLabel('Site').fill(SITE);
  await page.getByLabel('User').fill('guesser');
  const message = await until('a 429', async () => {
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).waitFor();
    const text = await notice.textContent();
    return /Try again in \d+ s/.test(text) && text;
  });
  assert.match(message, /Try again in \d+ s \(at .+\)\./);
}

await main();
