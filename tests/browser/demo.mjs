// The demo under test: `concierge demo` (the binary cargo built) on fixed ports, over a scratch
// database made on the PostgreSQL in DATABASE_URL (scripts/test's embedded server), so that a
// test can kill it mid-answer and start it again on the same addresses and data.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const STATE = join(ROOT, 'target', 'browser-demo.json');
const BINARY = process.env.CONCIERGE_BIN || join(ROOT, 'target', 'debug', 'concierge');
const PSQL = join(ROOT, '.deps/python/embedded_postgres/pginstall/bin/psql');

/** The demo's shop, its secret (the simulator's demo app) and the API key. */
export const SHOP = 'harbor-and-pine.myshopify.com';
export const DEMO_API_KEY = 'concierge-demo-api-key';
export const DEMO_API_SECRET = 'concierge-demo-api-secret';

/** Where the running demo is: { pid, app, storefront, simulator, admin, env }. */
export function current() {
  return JSON.parse(readFileSync(STATE, 'utf8'));
}

function freePort() {
  // Ports from a range unlikely to clash, fixed for this run so a restart keeps them.
  return 20000 + Math.floor(Math.random() * 20000);
}

/** Makes a scratch database and the environment the demo runs with. */
export function prepare() {
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error('browser tests need DATABASE_URL (run them through scripts/test)');
  const name = `browser_${process.pid}_${Date.now()}`;
  execFileSync(PSQL, ['-X', '-q', server, '-c', `CREATE DATABASE ${name}`]);
  const url = server.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const data = mkdtempSync(join(tmpdir(), 'concierge-browser-'));
  return {
    server,
    name,
    env: {
      ...process.env,
      DATABASE_URL: url,
      CONCIERGE_DATA_DIR: data,
      CONCIERGE_LISTEN: `127.0.0.1:${freePort()}`,
      CONCIERGE_SIMULATOR_LISTEN: `127.0.0.1:${freePort()}`,
      RUST_LOG: process.env.RUST_LOG || 'warn',
      // The admin tests add a crawl source on a local site.
      CONCIERGE_CRAWL_PRIVATE_ADDRESSES: 'true',
      // Every test's shopper (and the playground) writes from 127.0.0.1: one address's limit
      // would refuse the later tests' messages.
      CONCIERGE_CHAT_ADDRESS_MESSAGES_PER_MINUTE: '100000',
    },
  };
}

/** Starts the demo with `env` and waits until it says it is ready; records where it is. */
export async function start(prepared) {
  const child = spawn(BINARY, ['demo'], { env: prepared.env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let out = '';
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${out}`)), 300_000);
    const read = (chunk) => {
      out += chunk.toString();
      if (out.includes('Concierge demo is ready')) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', (chunk) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the demo exited (${code}):\n${out}`)));
  });
  await ready;
  const line = (label) => out.match(new RegExp(`${label}:\\s+(\\S+)`))?.[1];
  const state = {
    pid: child.pid,
    app: `http://${prepared.env.CONCIERGE_LISTEN}`,
    storefront: line('Storefront'),
    simulator: `http://${prepared.env.CONCIERGE_SIMULATOR_LISTEN}`,
    admin: line('Admin \\(Concierge inside the Shopify admin\\)'),
    prepared,
  };
  if (!state.storefront) throw new Error(`the demo printed no storefront URL:\n${out}`);
  child.stdout.resume();
  child.stderr.resume();
  child.unref();
  writeFileSync(STATE, JSON.stringify(state));
  return state;
}

/** Stops the demo (SIGKILL to kill it as a crash would; SIGTERM to let it drain). */
export async function stop(signal = 'SIGTERM') {
  if (!existsSync(STATE)) return;
  const { pid } = current();
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
}

/** Runs `query` on the demo's database; returns psql's unaligned, tuples-only output. */
export function sql(query) {
  const { prepared } = current();
  return execFileSync(PSQL, ['-X', '-q', '-A', '-t', prepared.env.DATABASE_URL, '-c', query], { encoding: 'utf8' }).trim();
}

/** Drops the scratch database. */
export function cleanup() {
  if (!existsSync(STATE)) return;
  const { prepared } = current();
  execFileSync(PSQL, ['-X', '-q', prepared.server, '-c', `DROP DATABASE IF EXISTS ${prepared.name} WITH (FORCE)`]);
}

/** Waits until `url` answers 200 (a node's readiness), for at most `ms`. */
async function ready(url, ms, exited) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (exited()) return false;
    try {
      if ((await fetch(url)).ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * Starts another process of the app beside the running demo, over the same database, Shopify
 * simulator and credential key: `concierge serve` (a second web node; `url` is where it
 * listens) or `concierge worker`. Returns { url, stop() }. The admin frame points at a node
 * with `?sim_app=<url>`.
 */
export async function startNode(command = 'serve') {
  const { prepared, simulator } = current();
  const listen = `127.0.0.1:${freePort()}`;
  const url = `http://${listen}`;
  const env = {
    ...prepared.env,
    CONCIERGE_LISTEN: listen,
    SHOPIFY_API_KEY: DEMO_API_KEY,
    SHOPIFY_API_SECRET: DEMO_API_SECRET,
    SHOPIFY_APP_URL: url,
    SHOPIFY_SHOP_URL: `${simulator}/{shop}`,
    CONCIERGE_SHOPIFY_CDN_URL: simulator,
    CONCIERGE_ENCRYPTION_KEYS: readFileSync(join(prepared.env.CONCIERGE_DATA_DIR, 'encryption-keys'), 'utf8').trim(),
  };
  const child = spawn(BINARY, [command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exited = false;
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  child.on('exit', () => (exited = true));
  const stop = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };
  const up = command === 'serve' ? await ready(`${url}/readyz`, 60_000, () => exited) : await new Promise((r) => setTimeout(() => r(!exited), 1500));
  if (!up) {
    await stop();
    throw new Error(`concierge ${command} did not start:\n${out}`);
  }
  return { url, stop, output: () => out };
}
