// The live handoff, as a shopper and a support agent live it at the same time (issue 14): two
// browser contexts at once, the shopper in the storefront widget and the agent in the App
// Home's inbox inside the simulator's admin. The shopper asks for a person; the agent sees it
// appear without reloading, takes over, starts from an AI draft, edits and sends it; the
// shopper sees it live with the agent's name and answers; the agent sees that live and hands
// back; the assistant answers the shopper's next message. Then the same across two
// `concierge serve` nodes over one database with a separate `concierge worker`.

import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { SHOP, current, startNode } from './demo.mjs';
import { SHOTS, appFrame, ask, axe, openWidget } from './parts.mjs';

/** The admin at the inbox for a staff member (the store owner by default), framing `app`
 * (another node) when given. */
function inboxUrl(app, staff, conversation) {
  const query = new URLSearchParams();
  if (app) query.set('sim_app', app);
  if (staff) query.set('staff', staff);
  const path = conversation ? `/inbox/${conversation}` : '/inbox';
  return `${current().admin.replace(/\/$/, '')}${path}${query.size ? `?${query}` : ''}`;
}

async function send(w, text) {
  await w.input.fill(text);
  await w.send.click();
}

/** Records the browser notifications the page raises (granted, as an agent would allow). */
function recordNotifications() {
  window.__notifications = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission = async () => 'granted';
    constructor(title, options = {}) {
      window.__notifications.push({ title, body: options.body });
    }
  };
}

/**
 * The whole handoff with two contexts at once; `agentApp` is the node the agent's admin
 * frames (the demo's own when undefined). `shots` names the screenshots, or skips them.
 */
async function handoff(browser, { agentApp, shots }) {
  const shopperContext = await browser.newContext();
  const agentContext = await browser.newContext();
  await agentContext.addInitScript(recordNotifications);
  try {
    const shopper = await shopperContext.newPage();
    const agentPage = await agentContext.newPage();

    // The agent is at the inbox first: the handoff must arrive live, not on a reload.
    await agentPage.goto(inboxUrl(agentApp));
    const app = appFrame(agentPage);
    await expect(app.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
    const views = app.getByRole('group', { name: 'Views' });
    await expect(views.getByRole('button', { name: /^Needs a person/ })).toHaveAttribute('aria-pressed', 'true');
    const before = Number(await views.getByRole('button', { name: /^Needs a person/ }).locator('.count').textContent());

    const marker = `size ${Date.now() % 100000}`;
    const w = await openWidget(shopper);
    await ask(w, `I want to talk to a real person please, about a ${marker} exchange`);
    await expect(w.host.locator('.notice')).toContainText('A person will reply here');

    const conversation = await shopper.evaluate(
      (shop) => JSON.parse(localStorage.getItem(`concierge:${shop}`) || '{}').conversation,
      SHOP,
    );
    expect(conversation).toBeTruthy();

    // Live: the conversation appears, the count and the badge rise, a notification is raised.
    const row = app.locator(`.inbox-row[data-conversation="${conversation}"]`);
    await expect(row).toBeVisible();
    await expect(views.getByRole('button', { name: /^Needs a person/ }).locator('.count')).toHaveText(String(before + 1));
    await expect(app.locator('.inbox-alert')).toContainText('waiting for a person');
    await expect(row).toContainText('Waiting');
    const framed = () => agentPage.frames().find((f) => f !== agentPage.mainFrame());
    // The agent's admin is served by the node asked for.
    if (agentApp) expect(framed().url().startsWith(agentApp)).toBe(true);
    await expect.poll(() => framed().evaluate(() => window.__notifications.length)).toBeGreaterThan(0);

    // The agent opens it: the whole transcript, then takes over.
    await row.click();
    const transcript = app.getByRole('list', { name: 'Transcript' });
    await expect(transcript.locator('.msg-shopper').first()).toContainText(marker);
    await expect(transcript.locator('.msg-assistant').first()).not.toHaveText('');
    const reply = app.getByRole('textbox', { name: 'Reply to the shopper' });
    await expect(reply).toBeDisabled();
    await expect(app.getByRole('button', { name: 'Send reply' })).toBeDisabled();

    // A colleague opens the same conversation: each is warned about the other.
    const colleagueContext = await browser.newContext();
    try {
      const colleague = await colleagueContext.newPage();
      // From the link in the team's handoff mail: the conversation opens by itself.
      await colleague.goto(inboxUrl(agentApp, 'priya', conversation));
      const theirs = appFrame(colleague);
      await expect(theirs.locator('.inbox-warn')).toContainText(/Morgan.* is also viewing this conversation/);
      await expect(app.locator('.inbox-warn')).toContainText(/Priya.* is also viewing this conversation/);
      if (shots) await agentPage.screenshot({ path: join(SHOTS, `${shots}-collision.png`) });
    } finally {
      await colleagueContext.close();
    }

    await app.getByRole('button', { name: 'Take over' }).click();
    await expect(reply).toBeEnabled();
    await expect(app.locator('.inbox-sub')).toContainText('Assigned to you');

    // An AI draft fills the box (with what it drew on); the agent edits it and sends.
    await app.getByRole('button', { name: 'AI draft' }).click();
    await expect(reply).not.toHaveValue('', { timeout: 60_000 });
    await expect(app.locator('.draft-note')).toContainText('AI draft');
    const draft = await reply.inputValue();
    const edited = `Happy to help with the ${marker} exchange! ${draft}`.slice(0, 900);
    await reply.fill(edited);
    if (shots) await agentPage.screenshot({ path: join(SHOTS, `${shots}-agent-draft.png`) });
    await app.getByRole('button', { name: 'Send reply' }).click();
    await expect(reply).toHaveValue('');
    await expect(transcript.locator('.msg-agent').last()).toContainText(`Happy to help with the ${marker}`);

    // The shopper sees it live, with the agent's name, and answers.
    const agentRow = w.agent.last();
    await expect(agentRow).toContainText(`Happy to help with the ${marker}`);
    const agentName = (await transcript.locator('.msg-agent').last().locator('.msg-by strong').textContent()).trim();
    // The widget names the agent by first name.
    await expect(agentRow.locator('.by')).toContainText(agentName.split(' ')[0]);
    const answer = `Thank you! The ${marker} one is order #1043.`;
    await send(w, answer);
    if (shots) await shopper.screenshot({ path: join(SHOTS, `${shots}-shopper.png`) });

    // The agent sees the answer live, and hands the conversation back to the AI.
    await expect(transcript.locator('.msg-shopper').last()).toContainText(answer);
    if (shots) await agentPage.screenshot({ path: join(SHOTS, `${shots}-agent.png`) });
    expect(await axe(agentPage)).toEqual([]);
    await app.getByRole('button', { name: 'Hand back to AI' }).click();
    await expect(app.locator('.inbox-sub')).toContainText('AI handling');
    await expect(reply).toBeDisabled();

    // The assistant answers the shopper's next message.
    const next = await ask(w, 'What is your return policy?');
    await expect(next.locator('.bubble')).toContainText(/return/i);
    await expect(transcript.locator('.msg-assistant').last()).toContainText(/return/i);
  } finally {
    await shopperContext.close();
    await agentContext.close();
  }
}

test('a shopper asks for a person; an agent takes over live, replies from an AI draft, and hands back', async ({ browser }) => {
  test.setTimeout(240_000);
  await handoff(browser, { shots: 'inbox' });
});

test('the same handoff with the shopper and the agent on two serve nodes and a separate worker', async ({ browser }) => {
  test.setTimeout(300_000);
  // The shopper stays on the demo's node (the simulator's app proxy and storefront point at
  // it); the agent's admin frames a second `concierge serve` over the same database; jobs
  // also run in a separate `concierge worker`.
  const node = await startNode('serve');
  const worker = await startNode('worker');
  try {
    await handoff(browser, { agentApp: node.url, shots: 'inbox-two-nodes' });
  } finally {
    await node.stop();
    await worker.stop();
  }
});
