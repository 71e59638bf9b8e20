// The merchant's face of Concierge, as a merchant uses it: the App Home inside the simulator's
// Shopify admin (the app's URL framed with a signed id_token, App Bridge and Polaris stand-ins,
// fresh session tokens over postMessage), talking to the demo's app; what it changes is checked
// where shoppers see it, in the storefront widget and the playground.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { DEMO_API_KEY, ROOT, SHOP, current, sql } from './demo.mjs';
import { SHOTS, appFrame, ask as askWidget, axe, openWidget, sessionToken as staffToken, widget } from './parts.mjs';

const adminUrl = (path = '', query = '') => current().admin.replace(/\/$/, '') + path + query;

/** Opens the admin at `path`; returns the page and the app's frame. */
async function openAdmin(page, path = '', query = '') {
  await page.goto(adminUrl(path, query));
  return appFrame(page);
}

/** The toast the admin shows for the app. */
const toast = (page, text) => page.locator('#toasts').getByText(text);

/** The store owner's session token (staff member 70001). */
const sessionToken = () => staffToken('70001');

/** Runs `body`, then puts the settings back as they were (other specs expect the defaults). */
async function restoringSettings(request, body) {
  const headers = () => ({ authorization: `Bearer ${sessionToken()}` });
  const before = await (await request.get(`${current().app}/api/settings`, { headers: headers() })).json();
  try {
    await body();
  } finally {
    const { api_key_set: _, ...model } = before.settings.model;
    const put = await request.put(`${current().app}/api/settings`, { headers: headers(), data: { ...before.settings, model } });
    expect(put.status()).toBe(200);
  }
}

/** Saves the settings form and waits for the admin's toast. */
async function save(page, app) {
  await app.getByRole('button', { name: 'Save settings' }).click();
  await expect(toast(page, 'Settings saved')).toBeVisible();
}

test('first load: the admin frames the app, which exchanges its session token', async ({ page }) => {
  // A shop whose credentials are gone (as after a managed install) gets them by token exchange.
  sql(`UPDATE shops SET access_token_ciphertext = NULL, refresh_token_ciphertext = NULL WHERE domain = '${SHOP}'`);
  const shop = page.waitForResponse((r) => r.url().includes('/api/shop'));
  const app = await openAdmin(page, '/knowledge');
  expect((await shop).status()).toBe(200);
  expect(sql(`SELECT access_token_ciphertext IS NOT NULL FROM shops WHERE domain = '${SHOP}'`)).toBe('t');
  await expect(app.getByRole('heading', { name: 'Knowledge', level: 1 })).toBeVisible();
  await expect(app.getByRole('cell', { name: 'Products', exact: true })).toBeVisible();
  // The admin's left navigation is the app's <s-app-nav>; it moves the app without a reload.
  const nav = page.getByRole('navigation', { name: 'Admin' });
  await expect(nav.getByRole('link', { name: 'Knowledge' })).toHaveAttribute('aria-current', 'page');
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(app.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/admin\/apps\/concierge\/settings/);
});

test('the page is served for the admin only, with its scripts from the CDN setting', async ({ request }) => {
  const response = await request.get(`${current().app}/?embedded=1&shop=${SHOP}`);
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['content-security-policy']).toContain(`frame-ancestors ${current().simulator} https://admin.shopify.com`);
  const html = await response.text();
  expect(html).toContain(`<meta name="shopify-api-key" content="${DEMO_API_KEY}">`);
  expect(html).toContain(`<script src="${current().simulator}/shopifycloud/app-bridge.js"></script>`);
  const script = html.match(/src="(\/admin\/admin-[0-9a-f]{16}\.js)"/)[1];
  const asset = await request.get(`${current().app}${script}`);
  expect(asset.headers()['cache-control']).toContain('immutable');
  expect((await request.get(`${current().app}/admin/admin-0000000000000000.js`)).status()).toBe(404);
});

test('onboarding shows the sync at 100% and the checklist', async ({ page }) => {
  const app = await openAdmin(page);
  await expect(app.getByText('100% ready')).toBeVisible({ timeout: 60_000 });
  await expect(app.getByRole('progressbar', { name: 'Overall sync' })).toHaveAttribute('value', '100');
  const checklist = app.locator('.checklist');
  await expect(checklist.locator('li', { hasText: 'Knowledge synced' })).toContainText('Done');
  await page.screenshot({ path: join(SHOTS, 'admin-home.png') });
  expect(await axe(page)).toEqual([]);
});

test('the theme editor link switches the app embed on', async ({ page, request }) => {
  const embed = (enabled) => request.post(`${current().simulator}/${SHOP}/admin/themes/app-embed`, { data: { enabled } });
  // Switched off, as on a fresh install: the storefront has no chat button.
  expect((await embed(false)).status()).toBe(204);
  try {
    await page.goto(current().storefront);
    await expect(page.locator('concierge-chat')).toHaveCount(0);
    const app = await openAdmin(page);
    const link = app.getByRole('link', { name: 'Activate in theme editor' });
    await expect(link).toHaveAttribute('href', new RegExp(`/${SHOP}/admin/themes/current/editor\\?context=apps&activateAppId=${DEMO_API_KEY}/`));
    await link.click();
    await expect(page.getByRole('status')).toContainText('switched on');
    await page.goto(current().storefront);
    await expect(widget(page).launcher).toBeVisible();
  } finally {
    // The other tests need the widget whatever happened here.
    await embed(true);
  }
});

test('a new name and greeting reach the storefront widget', async ({ page, request }) => {
  await restoringSettings(request, async () => {
    const app = await openAdmin(page, '/settings');
    await app.getByLabel('Assistant name').fill('Maple');
    await app.getByLabel('Greeting').fill('Hello from Maple at Harbor & Pine!');
    await save(page, app);
    await app.locator('body').evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'admin-settings.png') });
    expect(await axe(page)).toEqual([]);
    const shopper = await page.context().newPage();
    const w = await openWidget(shopper);
    await expect(w.dialog).toContainText('Maple');
    await expect(w.dialog).toContainText('Hello from Maple at Harbor & Pine!');
  });
});

test('with add-to-cart off the answer offers no cart button', async ({ page, request }) => {
  await restoringSettings(request, async () => {
    const app = await openAdmin(page, '/settings');
    await app.getByLabel('Add to cart').uncheck();
    await save(page, app);
    const shopper = await page.context().newPage();
    await openWidget(shopper);
    const answer = await askWidget(shopper, 'Please add the Squall rain shell in M / Slate to my cart');
    await expect(answer.getByRole('button', { name: /add to cart/i })).toHaveCount(0);
  });
});

test('closed now: a handoff asks for an email', async ({ page, request }) => {
  await restoringSettings(request, async () => {
    const app = await openAdmin(page, '/settings');
    await app.getByLabel('Set business hours').check();
    await app.getByLabel('Time zone').fill('UTC');
    // Open every day for half an hour, twelve hours away from now: closed now.
    const slot = new Date().getUTCHours() < 12 ? '23:00-23:30' : '01:00-01:30';
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) await app.getByLabel(day, { exact: true }).fill(slot);
    await save(page, app);
    const shopper = await page.context().newPage();
    const w = await openWidget(shopper);
    await askWidget(shopper, 'I want to talk to a real person please');
    await expect(w.host.locator('.notice input[type=email]')).toBeVisible();
  });
});

test('a bad setting shows its error next to the field', async ({ page }) => {
  const app = await openAdmin(page, '/settings');
  const color = app.locator('s-text-field[name="branding.accent_color"]');
  await app.getByLabel('Accent color').fill('not a color');
  await app.getByLabel('Assistant name').fill('');
  await app.getByRole('button', { name: 'Save settings' }).click();
  await expect(app.getByText('Not saved: fix the fields marked below')).toBeVisible();
  await expect(color).toHaveAttribute('error', /.+/);
  await expect(app.locator('s-text-field[name="assistant_name"]')).toHaveAttribute('error', /.+/);
  // Shown beside the field, and tied to it for screen readers.
  await expect(app.getByLabel('Accent color')).toHaveAttribute('aria-invalid', 'true');
  await expect(toast(page, 'Settings not saved')).toBeVisible();
});

test('a new FAQ entry is retrieved by the playground within 2 s', async ({ page }) => {
  const app = await openAdmin(page, '/knowledge');
  const question = `Do you engrave the Ridge mugs? (${randomUUID().slice(0, 8)})`;
  await app.getByLabel('New question').fill(question);
  await app.getByLabel('New answer').fill('Yes: engraving is free on every Ridge mug, up to 20 letters.');
  await app.getByRole('button', { name: 'Add entry' }).click();
  await expect(toast(page, 'FAQ entry added')).toBeVisible();
  const added = Date.now();
  await expect(app.locator('.faq-question', { hasText: question })).toBeVisible();
  // "What would the assistant retrieve?" finds it with a score and its source.
  await app.getByLabel('A shopper’s question').fill('engrave Ridge mugs');
  await app.getByRole('button', { name: 'Search' }).click();
  await expect(app.locator('.hit', { hasText: 'engraving is free' }).first()).toBeVisible({ timeout: 2_000 });
  expect(Date.now() - added).toBeLessThan(2_000);
  await page.screenshot({ path: join(SHOTS, 'admin-knowledge.png'), fullPage: true });
  expect(await axe(page)).toEqual([]);

  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Playground' }).click();
  await expect(app.getByRole('heading', { name: 'Playground', level: 1 })).toBeVisible();
  await app.getByLabel('Message').fill('Can you engrave a Ridge mug?');
  const sent = Date.now();
  await app.getByRole('button', { name: 'Send' }).click();
  const trace = app.locator('.turn').last().locator('.trace');
  await expect(trace.locator('.passages')).toContainText('engraving is free', { timeout: 2_000 });
  expect(Date.now() - sent).toBeLessThan(2_000);
  await expect(trace).toContainText('Model');
  await expect(trace).toContainText('Latency');
  await page.screenshot({ path: join(SHOTS, 'admin-playground.png'), fullPage: true });
  expect(await axe(page)).toEqual([]);
});

test('the playground chats as a chosen demo customer and shows tool calls', async ({ page }) => {
  const app = await openAdmin(page, '/playground');
  const who = app.getByLabel('Chat as', { exact: true });
  // The demo customers arrive from the Admin API after the page: wait for one.
  const withEmail = who.locator('option', { hasText: '@' }).first();
  await expect(withEmail).toBeAttached();
  const customer = await withEmail.textContent();
  await who.selectOption({ label: customer });
  await app.getByLabel('Message').fill('Do you have a waterproof jacket under $200?');
  await app.getByRole('button', { name: 'Send' }).click();
  const turn = app.locator('.turn').last();
  await expect(turn.locator('.answer')).not.toHaveText('', { timeout: 60_000 });
  await expect(turn.locator('.tool-calls')).toContainText('search_products', { timeout: 20_000 });
});

test('files upload with a result per file: a PDF and a CSV of questions', async ({ page }) => {
  const app = await openAdmin(page, '/knowledge');
  await app.locator('s-drop-zone input[type=file]').setInputFiles([
    { name: 'size-guide.pdf', mimeType: 'application/pdf', buffer: readFileSync(join(ROOT, 'connectors/tests/fixtures/size-guide.pdf')) },
    { name: 'faq.csv', mimeType: 'text/csv', buffer: Buffer.from('question,answer\nDo you gift wrap?,"Yes, gift wrap is $5 per order."\n') },
    { name: 'notes.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') },
  ]);
  const results = app.locator('.upload-results');
  await expect(results.locator('li', { hasText: 'size-guide.pdf' })).toContainText('Accepted');
  await expect(results.locator('li', { hasText: 'faq.csv' })).toContainText('Accepted');
  await expect(results.locator('li', { hasText: 'notes.exe' })).toContainText('Refused');
  // Both are read into the Files source.
  await expect(app.getByRole('row', { name: /Files/ })).toContainText(/\b([2-9]|\d\d+) \(/, { timeout: 60_000 });
});

test('a website on a local address is crawled (the demo allows private addresses)', async ({ page }) => {
  const site = createServer((req, res) => {
    if (req.url !== '/care') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html lang="en"><head><title>Care guide</title></head><body><main><h1>Care guide</h1><p>Wash the Squall rain shell cold and hang it to dry; never tumble dry.</p></main></body></html>');
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${site.address().port}/care`;
  try {
    const app = await openAdmin(page, '/knowledge');
    await app.getByLabel('Website to crawl').fill(url);
    await app.getByRole('button', { name: 'Add website' }).click();
    await expect(toast(page, 'Website added; crawling it now')).toBeVisible();
    const row = app.getByRole('row', { name: new RegExp(url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) });
    await expect(row).toContainText('idle', { timeout: 60_000 });
    await expect(row).toContainText('1 (');
  } finally {
    site.close();
  }
});

for (const [mode, name] of [['expired', 'an expired session token'], ['other-shop', 'a session token for another shop']]) {
  test(`${name} gets 401 and the app asks to reload`, async ({ page }) => {
    const refused = page.waitForResponse((r) => r.url().includes('/api/shop'));
    const app = await openAdmin(page, '', `?sim_token=${mode}`);
    expect((await refused).status()).toBe(401);
    await expect(app.getByText('Your session expired — reload')).toBeVisible();
    await expect(app.getByRole('button', { name: 'Reload' })).toBeFocused();
    if (mode === 'expired') await page.screenshot({ path: join(SHOTS, 'admin-session-expired.png') });
    expect(await axe(page)).toEqual([]);
  });
}
