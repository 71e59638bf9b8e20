//! Playground: the merchant chats as a shopper (anonymous, or one of the store's customers)
//! through the same chat API and engine the storefront widget uses, and sees beside each
//! answer how it was made: the passages retrieved with their scores, each tool call with its
//! arguments and result, the model, latency and cost (the conversation's trace).

import { api, describe, refusal } from '../api';
import { h, replace, valueOf } from '../dom';
import type { Session, TraceTurn } from '../types';
import { badge, banner, button, option, page, section } from '../ui';
import { readSse } from '../../../widget/src/chat/sse';

interface Customer {
  id: number;
  name: string;
  email: string;
}

interface Chat {
  session: Session;
  conversation: number;
}

export async function playground(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const { customers } = await api<{ customers: Customer[] }>('/api/playground/customers', { signal });
  const who = h(
    's-select',
    { label: 'Chat as', name: 'customer' },
    option('', 'An anonymous shopper', true),
    ...customers.map((c) => option(String(c.id), `${c.name} (${c.email})`, false)),
  );
  const turns = h('ol', { class: 'turns', 'aria-live': 'polite' });
  const input = h('s-text-field', { label: 'Message', name: 'message', placeholder: 'Ask what a shopper would ask' });
  const status = h('div', { role: 'status' });
  let chat: Promise<Chat> | undefined;

  const start = () => {
    const id = valueOf(who);
    chat = startChat(id ? Number(id) : null);
    replace(turns);
    chat.catch((error) => replace(status, banner('critical', 'Could not start a conversation', h('s-paragraph', {}, describe(error)))));
  };
  who.addEventListener('change', start);

  const send = async () => {
    const text = valueOf(input).trim();
    if (!text) return;
    (input as HTMLInputElement).value = '';
    replace(status);
    chat ??= startChat(valueOf(who) ? Number(valueOf(who)) : null);
    try {
      await ask(await chat, text, turns);
    } catch (error) {
      replace(status, banner('critical', 'The message was not answered', h('s-paragraph', {}, describe(error))));
    }
  };

  replace(
    root,
    page(
      'Playground',
      section(
        'Chat as a shopper',
        h('s-paragraph', {}, 'Same assistant, settings and knowledge as your storefront. Conversations here are left out of your numbers.'),
        h('div', { class: 'inline-form' }, who, button('New conversation', start)),
        turns,
        status,
        h('form', { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); void send(); } }, input, button('Send', () => void send(), { variant: 'primary' })),
      ),
    ),
  );
  if (signal.aborted) return;
}

async function startChat(customer: number | null): Promise<Chat> {
  const session = await api<Session>('/api/playground/sessions', { method: 'POST', json: { customer_id: customer } });
  const response = await chatCall(session, '/chat/conversations', { locale: navigator.language });
  const conversation = (await response.json()) as { id: number };
  return { session, conversation: conversation.id };
}

/** A call to the chat API with the visitor token (never the admin's session token). */
async function chatCall(session: Session, path: string, json: unknown): Promise<Response> {
  const response = await fetch(session.api_url.replace(/\/$/, '') + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json', Accept: 'text/event-stream, application/json' },
    body: JSON.stringify(json),
  });
  if (!response.ok) throw await refusal(response);
  return response;
}

/** Sends `text`, streams the answer into a new turn, then shows that turn's trace beside it. */
async function ask(chat: Chat, text: string, turns: HTMLElement): Promise<void> {
  const answer = h('p', { class: 'answer', 'aria-busy': 'true' });
  const extras = h('div', { class: 'answer-extras' });
  const trace = h('aside', { class: 'trace', 'aria-label': 'How this answer was made' }, h('s-spinner', { accessibilityLabel: 'Waiting for the answer' }));
  turns.append(
    h(
      'li',
      { class: 'turn' },
      h('div', { class: 'exchange' }, h('p', { class: 'question' }, h('strong', {}, 'Shopper: '), text), h('div', { class: 'bot' }, h('strong', {}, 'Assistant: '), answer, extras)),
      trace,
    ),
  );
  const response = await chatCall(chat.session, `/chat/conversations/${chat.conversation}/messages`, { text, client_id: crypto.randomUUID() });
  let written = '';
  await readSse(response, ({ event, data }) => {
    const e = JSON.parse(data);
    if (event === 'delta') answer.textContent = written += e.text;
    else if (event === 'done') answer.textContent = e.text || written;
    else if (event === 'products') extras.append(h('ul', { class: 'cards' }, ...e.products.map((p: { title: string; url: string }) => h('li', {}, h('a', { href: p.url, target: '_blank', rel: 'noopener' }, p.title)))));
    else if (event === 'action') extras.append(h('div', { class: 'cart-offer' }, button('Add to cart', () => shopify.toast.show('In the storefront this adds the item to the cart'), { accessibilityLabel: `Add to cart: ${e.action.product_title}` }), ` ${e.action.product_title}`));
    else if (event === 'handoff') extras.append(banner('info', e.email_needed ? 'Handoff: the shopper is asked for an email (your team is away)' : 'Handoff to your team'));
    else if (event === 'error') extras.append(banner('critical', 'The answer failed', h('s-paragraph', {}, e.message)));
  });
  answer.removeAttribute('aria-busy');
  const { turns: traced } = await api<{ turns: TraceTurn[] }>(`/api/playground/conversations/${chat.conversation}/trace`);
  const last = traced.at(-1);
  replace(trace, last ? traceOf(last) : h('s-paragraph', {}, 'No trace for this turn.'));
}

function traceOf(turn: TraceTurn): HTMLElement {
  const json = (value: unknown) => h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'trace-figures' },
      h('dt', {}, 'Model'), h('dd', {}, turn.model),
      h('dt', {}, 'Latency'), h('dd', {}, `${turn.latency_ms ?? '—'} ms${turn.first_token_ms === null ? '' : ` (first words at ${turn.first_token_ms} ms)`}`),
      h('dt', {}, 'Cost'), h('dd', {}, `${turn.cost_usd === null ? 'not priced' : `$${turn.cost_usd.toFixed(4)}`} (${turn.tokens.input ?? 0} tokens in, ${turn.tokens.output ?? 0} out)`),
    ),
    h('h3', {}, `Passages (${turn.passages.length})`),
    h(
      'ol',
      { class: 'passages' },
      ...turn.passages.map((p) =>
        h('li', {}, h('span', { class: 'score' }, p.score === null ? '—' : p.score.toFixed(3)), ' ', p.url ? h('a', { href: p.url, target: '_blank', rel: 'noopener' }, p.title) : p.title, h('p', { class: 'snippet' }, p.snippet)),
      ),
    ),
    h('h3', {}, `Tool calls (${turn.tool_calls.length})`),
    h(
      'ol',
      { class: 'tool-calls' },
      ...turn.tool_calls.map((call) =>
        h(
          'li',
          {},
          h('details', {}, h('summary', {}, `${call.name} `, badge(call.ok ? 'success' : 'critical', call.ok ? 'ok' : 'failed'), ` ${call.ms} ms`), h('p', {}, 'Arguments'), json(call.arguments), h('p', {}, 'Result'), json(call.result)),
        ),
      ),
    ),
  );
}
