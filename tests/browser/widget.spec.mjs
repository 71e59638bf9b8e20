// The shopper's face of Concierge, as a shopper uses it: the storefront's product, cart and
// account pages with our app embed block rendered by the simulator, the widget fetched from
// the extension's assets, the chat API on the demo's app. Everything is real but the shop.

import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { SHOP, current, start, stop } from './demo.mjs';
import { SHOTS, ask, open, sessionToken as staffToken, widget } from './parts.mjs';

const page_url = (path = '') => current().storefront.replace(/\/$/, '') + path;

/** An agent's session token (staff member 77). */
const sessionToken = () => staffToken('77');

test('a product question shows cards, adds to the cart and the page counts it', async ({ page }) => {
  await page.goto(page_url('/'));
  const bubble = page.locator('#cart-icon-bubble');
  const before = (await bubble.textContent()).trim();
  await open(page);
  const answer = await ask(page, 'Do you have a waterproof jacket under $200?');
  const card = answer.locator('.card').filter({ hasText: 'Squall' }).first();
  await expect(card).toBeVisible();
  await expect(card.locator('.price')).toContainText('$');
  // The shopper picks a size and colour (the card reads the storefront's variants), then adds.
  await card.scrollIntoViewIfNeeded();
  await card.locator('select').selectOption({ label: 'M / Slate' });
  await card.getByRole('button', { name: 'Add to cart' }).click();
  await expect(answer.getByText('Added to your cart.')).toBeVisible();
  await expect(bubble).not.toHaveText(before);
  const checkout = answer.getByRole('link', { name: 'Checkout' });
  await expect(checkout).toHaveAttribute('href', /checkout/);
  const cart = await page.evaluate(async (root) => (await fetch(`${root}/cart.js`)).json(), page_url());
  expect(cart.item_count).toBeGreaterThan(0);
  await page.screenshot({ path: join(SHOTS, 'widget-desktop.png') });
});

test('a policy question is answered with its source', async ({ page }) => {
  await page.goto(page_url('/'));
  await open(page);
  const answer = await ask(page, "What's your return policy?");
  await expect(answer.locator('.bubble')).toContainText('60');
  const source = answer.locator('.sources a').first();
  await expect(source).toBeVisible();
  expect(await source.getAttribute('href')).toMatch(/^(https?:|\/)/);
  // Model text is text: nothing the answer says became markup.
  expect(await answer.locator('.bubble script, .bubble img, .bubble iframe').count()).toBe(0);
});

test('"is this available in XL?" on a product page is about that product', async ({ page }) => {
  await page.goto(page_url('/products/squall-rain-shell'));
  await open(page);
  const answer = await ask(page, 'Is this available in XL?');
  await expect(answer).toContainText('Squall');
  await expect(answer).toContainText('XL');
});

/**
 * What `pick` finds in the newest mail to `to` that the demo's SMTP sink kept, as read
 * (quoted-printable soft breaks and `=3D` undone), waiting for it to arrive.
 */
async function mailed(to, pick) {
  const inbox = join(current().prepared.env.CONCIERGE_DATA_DIR, 'mail', 'new');
  let found;
  await expect
    .poll(() => {
      let files = [];
      try {
        files = readdirSync(inbox).sort();
      } catch {
        return undefined;
      }
      const mails = files
        .map((f) => readFileSync(join(inbox, f), 'utf8').replace(/=\r?\n/g, '').replaceAll('=3D', '='))
        .filter((m) => m.includes(`X-RcptTo: ${to}`));
      found = mails.map(pick).filter(Boolean).pop();
      return found;
    }, { timeout: 30_000 })
    .toBeTruthy();
  return found;
}

/** The one-time code in the newest mail to `to`. */
const mailedCode = (to) => mailed(to, (m) => m.match(/Your code is (\d{6})/)?.[1]);

test('order status: logged in, and with the order number, email and mailed code', async ({ page }) => {
  // Anonymous: the number and the email, then the code mailed to the order's email.
  await page.goto(page_url('/'));
  await open(page);
  let answer = await ask(page, 'Hi, can you check order #1047? My email is liam.oconnor@example.com');
  await expect(answer).toContainText('6-digit code');
  await expect(answer).not.toContainText('1ZMB7FJ00353918418');
  answer = await ask(page, await mailedCode('liam.oconnor@example.com'));
  await expect(answer).toContainText('1ZMB7FJ00353918418');

  // Logged in (the app proxy signs who she is): her own order, no email asked.
  await page.goto(page_url('/account/login'));
  await page.getByRole('button', { name: /ruby\.nguyen@example\.com|Ruby/ }).first().click();
  await page.goto(page_url('/'));
  const w = widget(page);
  await w.launcher.click();
  await widget(page).host.getByRole('button', { name: 'New conversation' }).click();
  answer = await ask(page, 'Where is my order #1043?');
  await expect(answer).toContainText('9400828564801557269285');
});

test('a handoff shows who replies, and an agent reply arrives live', async ({ page, request }) => {
  await page.goto(page_url('/'));
  const w = await open(page);
  await w.host.getByRole('button', { name: 'New conversation' }).click();
  await ask(page, 'I want to talk to a real person please');
  await expect(w.host.locator('.notice')).toContainText('A person will reply here');
  const conversation = await page.evaluate(
    (shop) => JSON.parse(localStorage.getItem(`concierge:${shop}`) || '{}').conversation,
    SHOP,
  );
  expect(conversation).toBeTruthy();
  const reply = await request.post(`${current().app}/api/inbox/conversations/${conversation}/messages`, {
    headers: { authorization: `Bearer ${sessionToken()}` },
    data: { text: 'Hi, this is Maya from Harbor & Pine. I can help.' },
  });
  expect(reply.status()).toBe(201);
  await expect(w.host.locator('.row.agent')).toContainText('Maya from Harbor & Pine');
});

/** The shopper's stored visitor and conversation, and a visitor token for them. */
async function shopperSession(page) {
  return page.evaluate(async ({ root, shop }) => {
    const saved = JSON.parse(localStorage.getItem(`concierge:${shop}`) || '{}');
    const session = await (await fetch(`${root}/apps/concierge/session?visitor=${saved.visitor}`)).json();
    return { ...saved, token: session.token };
  }, { root: page_url(), shop: SHOP });
}

test("a mailed reply's link reopens the conversation on another device; an altered one does not", async ({ page, browser, request }) => {
  // The shopper asks, leaves an email and goes; an agent replies (mailed to her).
  await page.goto(page_url('/'));
  const w = await open(page);
  await w.host.getByRole('button', { name: 'New conversation' }).click();
  await ask(page, 'Does the Squall rain shell come in a longer cut?');
  const { conversation, token } = await shopperSession(page);
  const email = `resume-${randomUUID()}@example.com`;
  const contact = await request.post(`${current().app}/chat/conversations/${conversation}/contact`, {
    headers: { authorization: `Bearer ${token}` },
    data: { email },
  });
  expect(contact.status()).toBe(204);
  const reply = await request.post(`${current().app}/api/inbox/conversations/${conversation}/messages`, {
    headers: { authorization: `Bearer ${sessionToken()}` },
    data: { text: 'Hi, Maya here: the tall cut arrives next month.' },
  });
  expect(reply.status()).toBe(201);
  const link = await mailed(email, (m) => m.match(/concierge_conversation=([\w.-]+)/)?.[1]);
  expect(link.startsWith(conversation)).toBe(true);

  // On another device (no stored visitor), the link opens the panel on the conversation.
  const phone = await browser.newContext();
  const there = await phone.newPage();
  await there.goto(page_url(`/?concierge_conversation=${link}`));
  const other = widget(there);
  await expect(other.dialog).toBeVisible();
  await expect(other.host.locator('.row.agent')).toContainText('the tall cut arrives next month');
  await expect(other.host.locator('.row.me')).toContainText('longer cut');
  expect(there.url()).not.toContain('concierge_conversation');
  await phone.close();

  // An altered link, or the bare id, grants nothing: the panel opens on a new conversation.
  const [signed, signature] = [link.slice(0, link.lastIndexOf('.')), link.slice(link.lastIndexOf('.') + 1)];
  const altered = `${signed}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
  for (const forged of [altered, conversation]) {
    const stranger = await browser.newContext();
    const theirs = await stranger.newPage();
    await theirs.goto(page_url(`/?concierge_conversation=${forged}`));
    const w2 = widget(theirs);
    await expect(w2.dialog).toBeVisible();
    // The session has been answered (a visitor of its own is stored) and nothing of hers shows.
    await expect
      .poll(() => theirs.evaluate((shop) => JSON.parse(localStorage.getItem(`concierge:${shop}`) || '{}').visitor, SHOP))
      .toBeTruthy();
    const saved = await theirs.evaluate((shop) => JSON.parse(localStorage.getItem(`concierge:${shop}`) || '{}'), SHOP);
    expect(saved.conversation).toBeUndefined();
    await expect(w2.input).toBeVisible();
    await expect(w2.host.locator('.row.agent')).toHaveCount(0);
    await expect(w2.host.locator('.row.me')).toHaveCount(0);
    await stranger.close();
  }
});

test('a reload keeps the conversation', async ({ page }) => {
  await page.goto(page_url('/'));
  const w = await open(page);
  await w.host.getByRole('button', { name: 'New conversation' }).click();
  await ask(page, 'Do you sell titanium sporks?');
  // The shopper rates the conversation.
  await w.host.getByRole('button', { name: '5 out of 5' }).click();
  await expect(w.host.getByText('Thanks for your feedback!').first()).toBeVisible();
  await page.reload();
  await widget(page).launcher.click();
  await expect(widget(page).host.locator('.row.me')).toContainText('titanium sporks');
  await expect(widget(page).answers.first()).toContainText(/spork/i);
});

/**
 * A model that speaks the OpenAI streaming format slowly (a chunk every 400 ms), so that the
 * server can be killed while an answer is on its way.
 */
async function slowModel() {
  const words = 'You can return unworn items within 60 days of delivery for a full refund or an exchange.'.split(' ');
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta, finish = null) =>
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'slow', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    let i = 0;
    const timer = setInterval(() => {
      if (i < words.length) return chunk({ role: 'assistant', content: (i++ ? ' ' : '') + words[i - 1] });
      clearInterval(timer);
      chunk({}, 'stop');
      res.end('data: [DONE]\n\n');
    }, 400);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/v1` };
}

test('a server killed mid-answer: the widget resumes and nothing is lost', async ({ page }) => {
  test.setTimeout(240_000);
  // The demo again, answering through the slow model (a short turn limit, so that the turn the
  // crash left running is known abandoned quickly).
  const model = await slowModel();
  const original = current().prepared;
  const slow = { ...original, env: { ...original.env, CONCIERGE_CHAT_URL: model.url, CONCIERGE_CHAT_MODEL: 'slow', CONCIERGE_CHAT_TURN_TIMEOUT_SECS: '8' } };
  await stop('SIGTERM');
  await start(slow);
  try {
    await page.goto(page_url('/'));
    const w = await open(page);
    await w.host.getByRole('button', { name: 'New conversation' }).click();
    await w.input.fill('What is your return policy?');
    await w.send.click();
    // The answer is streaming in...
    await expect(w.answers.last().locator('.bubble')).toContainText('return', { timeout: 30_000 });
    // ...when the server dies, as a crash would; the shopper types on meanwhile.
    await stop('SIGKILL');
    await w.input.fill('And for sale items?');
    await w.send.click();
    await start(slow);
    // The interrupted answer is given again in full, and the message typed during the outage
    // is stored once and answered.
    await expect(w.host.locator('.row.bot .bubble').filter({ hasText: 'full refund or an exchange.' })).toHaveCount(2, { timeout: 90_000 });
    await page.reload();
    await widget(page).launcher.click();
    await expect(widget(page).host.locator('.row.me')).toHaveText([/return policy/, /sale items/]);
  } finally {
    await stop('SIGTERM');
    await start(original);
    model.server.close();
  }
});

test('keyboard only: open, ask, trap focus, Esc closes and focus returns', async ({ page }) => {
  await page.goto(page_url('/'));
  const w = widget(page);
  await w.launcher.focus();
  await page.keyboard.press('Enter');
  await expect(w.dialog).toBeVisible();
  await expect(w.input).toBeFocused();
  await page.keyboard.type('Do you have enamel camp mugs?');
  await page.keyboard.press('Enter');
  await expect(w.answers.last()).toContainText(/mug/i, { timeout: 60_000 });
  // Tab never leaves the dialog.
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('CONCIERGE-CHAT');
  }
  await page.keyboard.press('Escape');
  await expect(w.dialog).toBeHidden();
  await expect(w.launcher).toBeFocused();
});

test('right to left in Arabic', async ({ page }) => {
  await page.goto(page_url('/ar/'));
  const w = await open(page);
  const dir = await w.host.evaluate((host) => host.shadowRoot.querySelector('[dir]')?.getAttribute('dir'));
  expect(dir).toBe('rtl');
  const box = await w.dialog.boundingBox();
  expect(box.x).toBeLessThan(640); // the panel sits on the left in RTL
  await page.screenshot({ path: join(SHOTS, 'widget-rtl-ar.png') });
});

test('a 375 px phone: no horizontal scroll, 16 px input, zoom allowed', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(page_url('/products/squall-rain-shell'));
  const w = await open(page);
  await ask(page, 'Do you have a waterproof jacket under $200?');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  const size = await w.input.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(size).toBeGreaterThanOrEqual(16);
  const viewport = await page.locator('meta[name=viewport]').getAttribute('content');
  expect(viewport || '').not.toMatch(/user-scalable\s*=\s*no|maximum-scale\s*=\s*1(\.0)?\b/);
  await page.screenshot({ path: join(SHOTS, 'widget-mobile.png') });
  await context.close();
});

test('axe finds nothing serious, closed or open', async ({ page }) => {
  await page.goto(page_url('/products/squall-rain-shell'));
  await expect(widget(page).launcher).toBeVisible();
  const serious = (results) => results.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  let results = await new AxeBuilder({ page }).include('concierge-chat').analyze();
  expect(serious(results)).toEqual([]);
  await open(page);
  await ask(page, 'Do you have a waterproof jacket under $200?');
  results = await new AxeBuilder({ page }).include('concierge-chat').analyze();
  expect(serious(results)).toEqual([]);
});

/** A JPEG's structure with a position in its EXIF (the pixels do not matter here). */
function jpegWithLocation() {
  const segment = (marker, contents) => {
    const body = Buffer.from(contents);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length + 2);
    return Buffer.concat([Buffer.from([0xff, marker]), len, body]);
  };
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xe1, Buffer.from('Exif\0\0GPS 48.8584 N 2.2945 E', 'latin1')),
    segment(0xdb, Buffer.alloc(65)),
    segment(0xc0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    Buffer.from([0x12, 0x34, 0xff, 0xd9]),
  ]);
}

test('a photo of a damaged item is sent with the message, without its location', async ({ page, request }) => {
  await page.goto(page_url('/'));
  const w = await open(page);
  await w.host.getByRole('button', { name: 'New conversation' }).click();
  await w.host.locator('input[type=file]').setInputFiles({ name: 'broken.jpg', mimeType: 'image/jpeg', buffer: jpegWithLocation() });
  await w.input.fill('My mug arrived broken');
  await w.send.click();
  await expect(w.host.locator('.row.me').last()).toContainText('arrived broken');
  await expect(w.answers.last().locator('.typing')).toHaveCount(0, { timeout: 60_000 });
  // Stored with the message; what is stored has no position in it.
  const { conversation, token } = await shopperSession(page);
  const shown = await request.get(`${current().app}/chat/conversations/${conversation}`, { headers: { authorization: `Bearer ${token}` } });
  const messages = (await shown.json()).messages;
  const photo = messages.flatMap((m) => m.attachments || []).find((a) => a.type === 'photo');
  expect(photo).toBeTruthy();
  const bytes = await request.get(`${current().app}/chat/conversations/${conversation}/attachments/${photo.id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(bytes.status()).toBe(200);
  expect((await bytes.body()).includes('GPS')).toBe(false);
});
