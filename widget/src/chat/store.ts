//! What the widget remembers between pages and reloads, in localStorage, and nothing else:
//! the anonymous visitor id, the conversation id, and the outbox of messages the server has
//! not acknowledged yet (each with its client_id, so a resend is stored once). Nothing about
//! the shopper: no names, emails, answers or history (history comes from the server).

/** The page a message was sent from (`page` in `POST .../messages`). */
export interface Page {
  template: string;
  url: string;
  product_id?: number;
  variant_id?: number;
  collection_id?: number;
}

export interface Outgoing {
  client_id: string;
  text: string;
  page: Page;
  attachments?: string[];
}

interface Saved {
  visitor?: string;
  conversation?: string;
  outbox: Outgoing[];
}

export type Store = ReturnType<typeof openStore>;

export function openStore(shop: string) {
  const key = `concierge:${shop}`;
  let saved: Saved = { outbox: [] };
  try {
    saved = { ...saved, ...JSON.parse(localStorage.getItem(key) || '{}') };
  } catch {
    // Storage blocked or garbled: the widget still works, it just forgets on reload.
  }
  const save = (change: Partial<Saved>) => {
    saved = { ...saved, ...change };
    try {
      localStorage.setItem(key, JSON.stringify(saved));
    } catch {}
  };
  return {
    visitor: () => saved.visitor,
    setVisitor: (visitor: string) => visitor !== saved.visitor && save({ visitor }),
    conversation: () => saved.conversation,
    /** A new conversation (or none) leaves the old one's outbox behind. */
    setConversation: (conversation?: string) =>
      save(conversation === saved.conversation ? {} : { conversation, outbox: conversation ? saved.outbox : [] }),
    outbox: () => saved.outbox,
    push: (message: Outgoing) => save({ outbox: [...saved.outbox, message] }),
    ack: (clientId: string) => save({ outbox: saved.outbox.filter((m) => m.client_id !== clientId) }),
  };
}
