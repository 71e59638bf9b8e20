// What the specs share: the storefront widget's parts and the steps every spec takes with it,
// the App Home's frame inside the simulator's admin, a staff member's session token, axe, and
// where screenshots go.

import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { DEMO_API_KEY, DEMO_API_SECRET, ROOT, SHOP, current } from './demo.mjs';

export const SHOTS = join(ROOT, 'docs', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

/** The widget's parts, inside its shadow root (Playwright's CSS locators pierce open roots). */
export function widget(page) {
  const host = page.locator('concierge-chat');
  return {
    host,
    launcher: host.locator('button.launcher'),
    dialog: page.getByRole('dialog'),
    input: host.locator('textarea'),
    send: host.getByRole('button', { name: 'Send', exact: true }),
    answers: host.locator('.row.bot'),
    lastAnswer: host.locator('.row.bot').last(),
    agent: host.locator('.row.agent'),
  };
}

/** Opens the widget on the page as it is; returns its parts. */
export async function open(page) {
  const w = widget(page);
  await w.launcher.click();
  await expect(w.dialog).toBeVisible();
  await expect(w.input).toBeVisible();
  return w;
}

/** The storefront's home with the widget open on a new conversation. */
export async function openWidget(page) {
  await page.goto(current().storefront);
  const w = await open(page);
  await w.host.getByRole('button', { name: 'New conversation' }).click();
  return w;
}

/** Sends `text` (from a page's widget, or the parts `widget` gave) and waits for its whole answer. */
export async function ask(pageOrWidget, text) {
  const w = pageOrWidget.host ? pageOrWidget : widget(pageOrWidget);
  const before = await w.answers.count();
  await w.input.fill(text);
  await w.send.click();
  await expect(w.answers).toHaveCount(before + 1, { timeout: 60_000 });
  const answer = w.answers.nth(before);
  await expect(answer.locator('.typing')).toHaveCount(0, { timeout: 60_000 });
  await expect(answer.locator('.bubble')).not.toHaveText('', { timeout: 60_000 });
  return answer;
}

/** The App Home's frame in the simulator's admin page. */
export const appFrame = (page) => page.frameLocator('#app-frame');

/** What App Bridge gives staff member `sub` in the admin: an HS256 JWT signed with the app's secret. */
export function sessionToken(sub) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    iss: `https://${SHOP}/admin`, dest: `https://${SHOP}`, aud: DEMO_API_KEY, sub,
    exp: now + 60, nbf: now - 1, iat: now - 1, jti: randomUUID(), sid: 's',
  })}`;
  return `${body}.${createHmac('sha256', DEMO_API_SECRET).update(body).digest('base64url')}`;
}

/** The serious and critical accessibility violations axe finds on the page, one line each. */
export async function axe(page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
