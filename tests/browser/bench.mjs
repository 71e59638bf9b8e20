// The widget's cost and speed, measured (benchmarks, not tests: figures go to
// docs/benchmarks.md). Run by scripts/bench-widget, which provides the database.
//
//   storefront cost: Lighthouse (performance, its default mobile profile) on the demo's product
//     page with the app embed on and off, alternating, N runs each: median score and Total
//     Blocking Time, and their differences;
//   first token: in Chromium, from pressing Send to the first answer text in the widget, over
//     50 questions with the local responder: p50 and p95.
// BENCH=cost or BENCH=token runs one of the two; RUNS sets Lighthouse's runs per state.

import { chromium } from '@playwright/test';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { SHOP, cleanup, prepare, start, stop } from './demo.mjs';

const RUNS = Number(process.env.RUNS || 5);
const QUESTIONS = [
  'Do you have a waterproof jacket under $200?', "What's your return policy?",
  'Is the Squall 2.5L Rain Shell available in XL?', 'Do you ship to Canada?',
  'Show me merino base layers that are in stock.', 'How much does the Titanium Spork weigh?',
  'Do you have hiking boots in size 9?', 'How long does shipping take?',
  'Is there a fee if I return something for a refund?', 'Do you have a gift under $50 for camping?',
];
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.round((xs.length - 1) * q))];

async function setEmbed(demo, enabled) {
  const response = await fetch(`${demo.simulator}/${SHOP}/admin/themes/app-embed`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled }),
  });
  if (!response.ok) throw new Error(`could not switch the embed: ${response.status}`);
}

async function storefrontCost(demo) {
  const url = `${demo.storefront.replace(/\/$/, '')}/products/squall-rain-shell`;
  const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROMIUM || '/usr/bin/chromium', chromeFlags: FLAGS });
  const runs = { on: [], off: [] };
  try {
    for (let i = 0; i < RUNS * 2; i++) {
      const state = i % 2 === 0 ? 'on' : 'off';
      await setEmbed(demo, state === 'on');
      const { lhr } = await lighthouse(url, { port: chrome.port, onlyCategories: ['performance'], logLevel: 'error', output: 'json' });
      runs[state].push({ score: lhr.categories.performance.score * 100, tbt: lhr.audits['total-blocking-time'].numericValue, cls: lhr.audits['cumulative-layout-shift'].numericValue });
    }
  } finally {
    await setEmbed(demo, true);
    await chrome.kill();
  }
  const summary = (xs) => ({ score: median(xs.map((r) => r.score)), tbt_ms: median(xs.map((r) => r.tbt)), cls: median(xs.map((r) => r.cls)) });
  const on = summary(runs.on);
  const off = summary(runs.off);
  return { runs: RUNS, on, off, score_drop: off.score - on.score, tbt_increase_ms: on.tbt_ms - off.tbt_ms };
}

async function firstToken(demo) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS.slice(1) });
  const page = await browser.newPage();
  await page.goto(`${demo.storefront.replace(/\/$/, '')}/`);
  const host = page.locator('concierge-chat');
  await host.locator('button.launcher').click();
  await host.locator('textarea').waitFor();
  const times = [];
  for (let i = 0; i < 50; i++) {
    if (i % 10 === 0) await host.getByRole('button', { name: 'New conversation' }).click();
    const question = QUESTIONS[i % QUESTIONS.length];
    await host.locator('textarea').fill(question);
    const ms = await page.evaluate(() => new Promise((resolve) => {
      const root = document.querySelector('concierge-chat').shadowRoot;
      const before = root.querySelectorAll('.row.bot').length;
      const started = performance.now();
      const seen = () => {
        const rows = root.querySelectorAll('.row.bot');
        const bubble = rows.length > before ? rows[rows.length - 1].querySelector('.bubble') : null;
        // Text beyond the typing dots: the first token is on screen.
        return bubble && bubble.textContent.trim().length > 0;
      };
      new MutationObserver((_, observer) => {
        if (seen()) { observer.disconnect(); resolve(performance.now() - started); }
      }).observe(root, { subtree: true, childList: true, characterData: true });
      root.querySelector('button[type=submit]').click();
    }));
    times.push(ms);
    await page.locator('concierge-chat .row.bot .typing').waitFor({ state: 'detached' }).catch(() => {});
  }
  await browser.close();
  return { questions: times.length, p50_ms: Math.round(pct(times, 0.5)), p95_ms: Math.round(pct(times, 0.95)) };
}

// One shopper asks 50 questions in a row: above a shopper's per-minute limit, which is not what
// this measures.
const prepared = prepare();
prepared.env.CONCIERGE_CHAT_VISITOR_MESSAGES_PER_MINUTE = '1000';
prepared.env.CONCIERGE_CHAT_ADDRESS_MESSAGES_PER_MINUTE = '1000';
const which = (process.env.BENCH || 'cost,token').split(',');
const demo = await start(prepared);
try {
  const result = {};
  if (which.includes('cost')) result.storefront_cost = await storefrontCost(demo);
  if (which.includes('token')) result.first_token = await firstToken(demo);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stop('SIGTERM');
  cleanup();
}
