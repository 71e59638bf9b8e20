//! The chat UI, fetched by the loader on the shopper's first sign of interest. This module is
//! the controller: it keeps the conversation (session, history, sending, following), and
//! tells the view what to show.
//!
//! Nothing accepted is lost: a message goes into the outbox (localStorage) with a fresh
//! client_id before it is sent, leaves it once the server answers 2xx (stored), and is sent
//! again with the same client_id after a failure, so the server stores it once and resumes
//! its answer. The follow stream resumes with Last-Event-ID. Both streams can carry the same
//! event; ids make each count once.

import { palette } from '../shared/color';
import type { StringKey } from '../shared/config';
import { HttpError, openApi } from './api';
import { sleep } from './dom';
import { readSse, type SseEvent } from './sse';
import { openStore, type Outgoing, type Page } from './store';
import { type Answer, type Citation, type HandoffEvent, type Sent, createView } from './view';

const g = window.__concierge!;
const { config } = g;
const t = config.t;
const store = openStore(config.shop);
const resume = takeResume();
const api = openApi(config, store, resume);

interface Message {
  id: number;
  role: 'shopper' | 'assistant' | 'agent' | 'system';
  text: string;
  attachments?: Array<Record<string, unknown> & { type?: string }>;
}

/** What the shopper sees while a tool runs, by the tool's name. */
const TOOLS: Record<string, StringKey> = {
  search_products: 'tool_search',
  get_product: 'tool_product',
  check_inventory: 'tool_inventory',
  get_order_status: 'tool_order',
  search_knowledge: 'tool_knowledge',
  add_to_cart: 'tool_cart',
  handoff_to_human: 'tool_handoff',
};

/**
 * A mailed reply's link (`?concierge_conversation=<token>`): the token goes to the server with
 * the session, which alone decides whether it reopens a conversation. It leaves the address
 * bar at once, so it is not bookmarked, shared or sent on as a referrer.
 */
function takeResume(): string | undefined {
  const url = new URL(location.href);
  const token = url.searchParams.get('concierge_conversation');
  if (token === null) return undefined;
  url.searchParams.delete('concierge_conversation');
  window.history.replaceState(window.history.state, '', url);
  return token || undefined;
}

let conversationId = store.conversation();
/** Who answers next: `ai`, `human` (the shop's agents) or `closed`. */
let owner = 'ai';
let assistantName = config.shop_name || t.assistant;
let started: Promise<void> | undefined;
let creating: Promise<string> | undefined;
let following: AbortController | undefined;
let lastEventId: string | undefined;
const seenEvents = new Set<string>();
const seenMessages = new Set<number>();
/** The answer being written (deltas carry no turn id: they belong to the latest turn). */
let current: Answer | undefined;
const answers = new Map<number, Answer>();
/** The last answer that failed with `retry`, for its sender to offer "Try again". */
let failed: Answer | undefined;
/** Messages go out one at a time, in order. */
let queue = Promise.resolve();
const queued = new Set<string>();
/** Drawn messages whose stored id is not known yet, with their text. */
const unmatched = new Map<Sent, string>();
let photo: { id?: string; thumb: string } | undefined;
let lastHandoff: HandoffEvent | null = null;
let lastTyping = 0;

const view = createView(g, {
  send,
  attach,
  detach: () => {
    photo = undefined;
    view.attachment(null);
  },
  restart,
  rate: async (rating) => {
    await api.call(`/chat/conversations/${conversationId}/csat`, { method: 'POST', json: { rating } });
  },
  contact: async (email) => {
    await api.call(`/chat/conversations/${conversationId}/contact`, { method: 'POST', json: { email } });
  },
  typing: () => {
    // Only a person waits on it: told at most every 3 s, and a failure is not the shopper's.
    if (owner !== 'human' || !conversationId || Date.now() - lastTyping < 3000) return;
    lastTyping = Date.now();
    api.call(`/chat/conversations/${conversationId}/typing`, { method: 'POST' }).catch(() => {});
  },
  opened: () => {
    begin();
    follow();
  },
  closed: () => follow(),
});

const uuid = (): string =>
  crypto.randomUUID?.() ??
  // Outside a secure context randomUUID is missing; getRandomValues is not.
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (+c / 4)))).toString(16),
  );

/** The page the shopper is on, so "is this available in XL?" has a "this". */
function page(): Page {
  const here: Page = { template: config.template, url: location.origin + location.pathname + location.search };
  if (config.product) {
    here.product_id = config.product.id;
    // Themes put the variant the shopper picked in the URL.
    const picked = new URLSearchParams(location.search).get('variant');
    const variant = picked && /^\d+$/.test(picked) ? Number(picked) : config.product.variant_id;
    if (variant) here.variant_id = variant;
  }
  if (config.collection) here.collection_id = config.collection.id;
  return here;
}

/** Session, history and unsent messages: once, when the panel first opens or a conversation waits. */
function begin(): Promise<void> {
  // Messages left unsent by an earlier page; ones sent from now on are queued by send().
  const unsent = store.outbox();
  return (started ||= (async () => {
    const session = await api.session();
    if (session.conversation_id && session.conversation_id !== conversationId) {
      conversationId = session.conversation_id;
      store.setConversation(conversationId);
    }
    assistantName = session.assistant?.name || assistantName;
    view.assistant(assistantName, session.assistant?.greeting || t.greeting, session.logged_in);
    brand(session.assistant);
    if (conversationId) await history();
    for (const message of unsent) enqueue(message);
    follow();
  })().catch((error) => {
    started = undefined;
    view.status(t.error);
    console.warn('concierge:', error);
  }));
}

/** The accent and side the merchant chose in the admin, over the theme block's. */
function brand(assistant: { accent_color?: string; position?: string } | undefined): void {
  if (assistant?.accent_color) {
    const colors = palette(assistant.accent_color);
    g.frame.style.cssText = `--a:${colors.accent};--on:${colors.on};--ink:${colors.ink}`;
  }
  if (assistant?.position) g.frame.classList.toggle('left', assistant.position === 'left');
}

/** Draws the conversation as the server has it (after a reload, or a `reset`). */
async function history(): Promise<void> {
  let body: {
    conversation: { owner: string; csat: number | null };
    messages: Message[];
    turn: { id: number; status: string } | null;
  };
  try {
    body = await (await api.call(`/chat/conversations/${conversationId}`)).json();
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return forget();
    throw error;
  }
  view.clear(!body.messages.length);
  seenMessages.clear();
  unmatched.clear();
  answers.clear();
  current = undefined;
  lastHandoff = null;
  for (const message of body.messages) show(message);
  if (body.turn?.status === 'running') answers.set(body.turn.id, (current = view.answer(() => assistantName)));
  // Who answers now is the conversation's to say; a handoff shown earlier may be over.
  owner = body.conversation.owner;
  if (owner === 'human') view.handoff(lastHandoff);
  if (owner === 'closed') view.other('system', t.closed);
  const answered = body.messages.some((m) => m.role !== 'shopper');
  view.rate(body.conversation.csat != null ? 'done' : answered ? 'ask' : 'none');
}

/** The conversation is gone (or another shop's): start afresh, keeping unsent messages. */
function forget() {
  conversationId = undefined;
  owner = 'ai';
  store.setConversation(undefined);
}

/** A stored message, from the history or the follow stream. */
function show(message: Message, live = false) {
  if (seenMessages.has(message.id)) return;
  seenMessages.add(message.id);
  if (message.role === 'shopper') {
    // Ours, echoed by the follow stream before its own answer said `stored`.
    for (const [bubble, text] of unmatched) {
      if (text === message.text) return unmatched.delete(bubble), bubble.sent();
    }
    return view.shopper(message.text).sent();
  }
  if (message.role !== 'assistant') {
    const by = message.attachments?.find((a) => a.type === 'agent')?.name;
    return view.other(message.role, message.text, live, typeof by === 'string' ? by : undefined);
  }
  const answer = view.answer(() => assistantName);
  let citations: Citation[] = [];
  for (const a of message.attachments ?? []) {
    if (a.type === 'citations') citations = a.citations as Citation[];
    else attachment(answer, a.type, a);
  }
  answer.done(message.text, citations, live);
  if (live) view.rate('ask');
}

/** Cards, a proposed cart addition or the handoff, live or from the history. */
function attachment(answer: Answer, type: unknown, data: Record<string, any>, live = false) {
  if (type === 'products') answer.products(data.products);
  else if (type === 'action') answer.action(data.action);
  else if (type === 'handoff') {
    lastHandoff = { agents_available: data.agents_available, email_needed: data.email_needed };
    // From the history, the notice is drawn once at the end, if agents still own the conversation.
    if (live) {
      owner = 'human';
      view.handoff(lastHandoff);
    }
  }
}

/** One event from either stream. */
function handle({ event, data, id }: SseEvent) {
  if (id) {
    if (seenEvents.has(id)) return;
    seenEvents.add(id);
    lastEventId = id;
  }
  let d: Record<string, any>;
  try {
    d = JSON.parse(data);
  } catch {
    return;
  }
  const turn = () => (current ||= view.answer(() => assistantName));
  switch (event) {
    case 'turn': {
      // A resent message replays its turn from the start: draw it afresh.
      const known = answers.get(d.turn_id);
      known?.reset();
      answers.set(d.turn_id, (current = known ?? view.answer(() => assistantName)));
      break;
    }
    case 'delta':
      turn().delta(d.text);
      break;
    case 'tool':
      turn().tool(d.status === 'started' ? t[TOOLS[d.name] ?? 'tool_other'] : null);
      break;
    case 'products':
    case 'action':
    case 'handoff':
      attachment(turn(), event, d, true);
      if (event === 'handoff') follow();
      break;
    case 'message':
      show(d.message, true);
      break;
    case 'typing':
      if (d.who === 'agent') view.agentTyping(d.name ?? '');
      break;
    case 'done':
      seenMessages.add(d.message_id);
      turn().done(d.text, d.citations ?? []);
      current = undefined;
      view.rate('ask');
      break;
    case 'error':
      turn().error(t.error);
      if (d.retry) failed = current;
      current = undefined;
      break;
    case 'reset':
      // The server does not know where we were (it restarted): the stored truth, again.
      history().catch(() => {});
      break;
  }
}

function send(raw: string) {
  const text = raw.trim();
  if (!text && !photo?.id) return;
  const message: Outgoing = {
    client_id: uuid(),
    text: text || t.photo,
    page: page(),
    ...(photo?.id ? { attachments: [photo.id] } : {}),
  };
  store.push(message);
  const thumb = photo?.thumb;
  photo = undefined;
  view.attachment(null);
  // Drawn after the history (which redraws the log), and sent after what an earlier page left.
  begin().then(() => enqueue(message, thumb));
}

/** Draws a message and queues it, once per client_id however often it is asked for. */
function enqueue(message: Outgoing, thumb?: string) {
  if (queued.has(message.client_id)) return;
  queued.add(message.client_id);
  const bubble = view.shopper(message.text, thumb);
  unmatched.set(bubble, message.text);
  again(message, bubble);
}

function again(message: Outgoing, bubble: Sent) {
  queue = queue.then(() => deliver(message, bubble));
}

/** The conversation to write to, started on the first message (not on opening the panel). */
function conversation(): Promise<string> {
  if (conversationId && owner !== 'closed') return Promise.resolve(conversationId);
  return (creating ||= api
    .call('/chat/conversations', { method: 'POST', json: { locale: config.locale } })
    .then((r) => r.json())
    .then((c: { id: string; owner?: string }) => {
      conversationId = c.id;
      owner = c.owner ?? 'ai';
      store.setConversation(c.id);
      follow();
      return c.id;
    })
    .finally(() => (creating = undefined)));
}

function offerRetry(again: () => void) {
  failed?.retry(again);
  failed = undefined;
}

/** Sends one message and reads its answer, retrying with backoff and the same client_id. */
async function deliver(message: Outgoing, bubble: Sent): Promise<void> {
  for (let attempt = 0, delay = 1000; ; attempt++) {
    let ended = false;
    let retryable = false;
    try {
      const id = await conversation();
      const response = await api.call(`/chat/conversations/${id}/messages`, {
        method: 'POST',
        headers: { Accept: 'text/event-stream' },
        json: message,
      });
      // 2xx: the message is stored, whatever happens to its answer.
      store.ack(message.client_id);
      bubble.sent();
      view.status(null);
      failed = undefined;
      await readSse(response, (event) => {
        if (event.event === 'stored') {
          const d = JSON.parse(event.data);
          // Stored before, and already drawn from the history (not just echoed by /events).
          if (unmatched.has(bubble) && seenMessages.has(d.message?.id)) bubble.remove();
          unmatched.delete(bubble);
          seenMessages.add(d.message?.id);
          owner = d.owner;
          // The shop's agents own the conversation: no answer streams, they reply on /events.
          if (owner !== 'ai') {
            ended = true;
            follow();
          }
        }
        if (event.event === 'error' && JSON.parse(event.data).code === 'unanswered') {
          // A server restart cut the answer off: the message is kept, so sending it again
          // (same client_id) answers it afresh.
          current?.drop();
          current = undefined;
          return;
        }
        if (event.event === 'done' || event.event === 'error') ended = true;
        if (event.event === 'error') retryable = !!JSON.parse(event.data).retry;
        handle(event);
      });
      if (retryable) offerRetry(() => again(message, bubble));
      if (ended) return;
      // The stream was cut before the answer ended: sending again resumes it.
    } catch (error) {
      if (error instanceof HttpError) {
        if (error.status === 404 && attempt === 0) {
          forget();
          continue;
        }
        if (error.status === 429) {
          await sleep((error.retryAfter || 5) * 1000);
          continue;
        }
        if (error.status < 500) {
          // Refused for good (too long, invalid): resending will not help.
          store.ack(message.client_id);
          bubble.failed(`${t.not_sent}: ${error.message}`);
          return;
        }
      }
    }
    if (attempt >= 7) {
      // Still in the outbox: it goes again on "Try again" or the next page.
      view.status(null);
      bubble.failed(t.not_sent, () => again(message, bubble));
      return;
    }
    view.status(t.reconnecting);
    await sleep(delay);
    delay = Math.min(delay * 2, 20_000);
  }
}

/**
 * Keeps `GET .../events` open while the panel is open or the shop's agents own the
 * conversation (their replies come this way), resuming with Last-Event-ID.
 */
function follow() {
  const wanted = !!conversationId && (view.isOpen() || owner === 'human');
  if (!wanted) {
    following?.abort();
    following = undefined;
    return;
  }
  if (following) return;
  const control = (following = new AbortController());
  const { signal } = control;
  (async () => {
    for (let delay = 1000; !signal.aborted; ) {
      try {
        const response = await api.call(`/chat/conversations/${conversationId}/events`, {
          signal,
          headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {},
        });
        view.status(null);
        delay = 1000;
        await readSse(response, handle);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof HttpError && error.status < 500 && error.status !== 429) break;
        view.status(t.reconnecting);
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 30_000);
    }
    if (following === control) following = undefined;
  })();
}

/** A photo to send with the next message: checked here, uploaded at once, shown as a thumbnail. */
async function attach(file: File) {
  view.problem(null);
  if (!file.type.startsWith('image/')) return view.problem(t.photo_type);
  if (file.size > 5 * 1024 * 1024) return view.problem(t.photo_size);
  const mine: { id?: string; thumb: string } = { thumb: URL.createObjectURL(file) };
  photo = mine;
  view.attachment(mine.thumb, true);
  try {
    const id = await conversation();
    const response = await api.call(`/chat/conversations/${id}/attachments`, {
      method: 'POST',
      headers: { 'Content-Type': file.type },
      body: file,
    });
    mine.id = (await response.json()).id;
    if (photo === mine) view.attachment(mine.thumb);
  } catch {
    if (photo === mine) {
      photo = undefined;
      view.attachment(null);
      view.problem(t.upload_failed);
    }
  }
}

/** A new conversation: the old one is left behind, with anything it had not sent. */
function restart() {
  following?.abort();
  following = undefined;
  conversationId = undefined;
  owner = 'ai';
  current = undefined;
  store.setConversation(undefined);
  for (const m of store.outbox()) store.ack(m.client_id);
  view.clear();
  view.status(null);
}

g.ready({ open: view.open, toggle: () => (view.isOpen() ? view.close() : view.open()) });

// A conversation from an earlier page: unsent messages go out, and agents' replies come in.
// A mailed link's conversation opens (the loader opens the panel).
if (conversationId || store.outbox().length || resume) begin();
