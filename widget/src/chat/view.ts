//! The chat panel: a modal dialog in the loader's shadow root (focus kept inside while it is
//! open, Esc closes it, focus goes back to the launcher), the message log, product cards,
//! the handoff notice, the rating and the composer. It renders; the controller (index.ts)
//! decides. Everything shown is built from elements and text nodes (see dom.ts).

import type { Handoff, StringKey } from '../shared/config';
import { CHAT, CHECK, CLOSE, PERSON, PHOTO, RESTART, SEND, STAR, icon } from '../shared/icon';
import { addToCart, checkoutUrl, numericId } from './cart';
import css from './chat.css';
import { h } from './dom';
import { fill, link, money, priceRange, richText } from './format';

export interface ProductCard {
  id: string;
  title: string;
  handle: string;
  url: string;
  image: string | null;
  price_min: number;
  price_max: number;
  currency: string;
  available: boolean;
  /** Not in every card: when absent, the storefront's `/products/{handle}.js` has them. */
  variants?: Variant[];
}

export interface Variant {
  id: string | number;
  title: string;
  price: number;
  available: boolean;
}

export interface CartAction {
  variant_id: string;
  quantity: number;
  product_title: string;
  variant_title: string;
  price: number;
  currency: string;
  available: boolean;
}

export interface Citation {
  title: string;
  url: string | null;
}

export interface HandoffEvent {
  agents_available: boolean;
  email_needed: boolean;
  /** When the team is next at work (RFC 3339), if not now. */
  next_open?: string;
}

export interface Actions {
  send(text: string): void;
  attach(file: File): void;
  detach(): void;
  restart(): void;
  rate(rating: number): Promise<void>;
  contact(email: string): Promise<void>;
  opened(): void;
  closed(): void;
  /** The shopper is typing (the store's agents see it while they own the conversation). */
  typing(): void;
}

/** One assistant answer as it streams in. */
export interface Answer {
  reset(): void;
  delta(text: string): void;
  tool(label: string | null): void;
  products(cards: ProductCard[]): void;
  action(action: CartAction): void;
  /** `live`: it just happened (announce it, and mark the launcher if the panel is closed). */
  done(text: string, citations: Citation[], live?: boolean): void;
  error(message: string): void;
  /** Offers "Try again" on the error shown. */
  retry(again: () => void): void;
  /** Takes an answer that was cut off away (it is being given again). */
  drop(): void;
}

/** One of the shopper's messages: pending until the server has it. */
export interface Sent {
  sent(): void;
  failed(message: string, retry?: () => void): void;
  remove(): void;
}

export type View = ReturnType<typeof createView>;

export function createView(g: Handoff, actions: Actions) {
  const { config, root, frame, launcher, badge } = g;
  const t = config.t;
  const say = (key: StringKey) => t[key];

  const style = h('style', null, css);
  const title = h('h2', { id: 'cc-title' }, config.shop_name || t.title);
  const greeting = h('div', { className: 'bubble' }, t.greeting);
  const suggestions = h(
    'div',
    { className: 'suggest' },
    ...(['suggest_order', 'suggest_person'] as const).map((key) =>
      h('button', { type: 'button', className: 'chip', onclick: () => actions.send(say(key)) }, say(key)),
    ),
  );
  let loggedIn = config.logged_in;
  const hint = h('p', { className: 'hint' }, t.order_hint);
  hint.hidden = loggedIn;
  const log = h('div', { className: 'log', tabIndex: -1 }, h('div', { className: 'row' }, greeting, suggestions, hint));
  const rating = h('div', { className: 'rate', hidden: true });
  const status = h('div', { className: 'status', role: 'status' });
  status.hidden = true;
  const live = h('div', { className: 'vh', 'aria-live': 'polite' });

  const input = h('textarea', {
    rows: 1,
    placeholder: t.placeholder,
    'aria-label': t.placeholder,
    maxLength: 4000,
    onkeydown: (e: KeyboardEvent) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      }
    },
    oninput: () => (grow(), actions.typing()),
  });
  const file = h('input', {
    type: 'file',
    accept: 'image/*',
    hidden: true,
    tabIndex: -1,
    onchange: () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (chosen) actions.attach(chosen);
    },
  });
  const attachButton = h('button', { type: 'button', className: 'icon', 'aria-label': t.attach, title: t.attach, onclick: () => file.click() }, icon(PHOTO));
  const sendButton = h('button', { type: 'submit', className: 'icon send', 'aria-label': t.send, title: t.send }, icon(SEND));
  const chip = h('div', { className: 'attached', hidden: true });
  const problem = h('p', { className: 'problem', role: 'alert' });
  problem.hidden = true;
  const form = h(
    'form',
    { className: 'composer', onsubmit: (e: Event) => (e.preventDefault(), submit()) },
    chip,
    problem,
    h('div', { className: 'line' }, attachButton, file, input, sendButton),
  );

  const panel = h(
    'div',
    { className: 'panel', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'cc-title', hidden: true },
    h(
      'div',
      { className: 'head' },
      h('span', { className: 'avatar', 'aria-hidden': 'true' }, icon(CHAT)),
      h('div', { className: 'who' }, title, h('p', null, t.subtitle)),
      h('button', { type: 'button', className: 'icon', 'aria-label': t.new_conversation, title: t.new_conversation, onclick: () => actions.restart() }, icon(RESTART)),
      h('button', { type: 'button', className: 'icon', 'aria-label': t.close, title: t.close, onclick: () => close() }, icon(CLOSE)),
    ),
    log,
    status,
    form,
    live,
  );
  panel.addEventListener('keydown', trap);
  const closeIcon = icon(CLOSE);
  closeIcon.classList.add('x');
  launcher.append(closeIcon);
  launcher.setAttribute('aria-controls', 'cc-panel');
  panel.id = 'cc-panel';
  root.prepend(style);
  frame.append(panel);

  function submit() {
    if (sendButton.disabled) return;
    actions.send(input.value);
    input.value = '';
    grow();
  }

  function grow() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
  }

  // Esc closes from anywhere (focus may be on the page, or on a button that went away).
  document.addEventListener('keydown', (e) => e.key === 'Escape' && isOpen() && close());

  /** Tab and Shift+Tab cycle inside the open dialog. */
  function trap(e: KeyboardEvent) {
    if (e.key !== 'Tab') return;
    const focusable = Array.from(
      panel.querySelectorAll<HTMLElement>('a[href],button:not([disabled]),textarea,input:not([type=file]),select'),
    ).filter((el) => el.getClientRects().length);
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = root.activeElement;
    if (e.shiftKey ? active === first || !panel.contains(active) : active === last) {
      e.preventDefault();
      (e.shiftKey ? last : first)?.focus();
    }
  }

  const isOpen = () => !panel.hidden;

  function open() {
    if (isOpen()) return;
    panel.hidden = false;
    frame.classList.add('open');
    launcher.setAttribute('aria-expanded', 'true');
    badge.hidden = true;
    badge.replaceChildren();
    input.focus();
    scroll(true);
    actions.opened();
  }

  function close() {
    if (!isOpen()) return;
    panel.hidden = true;
    frame.classList.remove('open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
    actions.closed();
  }

  /** Keeps the newest message in view, unless the shopper scrolled up to read. */
  function scroll(force = false) {
    if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 160) log.scrollTop = log.scrollHeight;
  }

  function add(node: Node) {
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 160;
    log.insertBefore(node, rating);
    if (stick) log.scrollTop = log.scrollHeight;
  }

  const retryButton = (again: () => void) => h('button', { type: 'button', className: 'linkish', onclick: again }, t.retry);

  /** A new message while the panel is closed: a dot on the launcher, named for screen readers. */
  function unread() {
    if (isOpen()) return;
    badge.hidden = false;
    badge.replaceChildren(h('span', { className: 'vh' }, t.new_message));
  }

  function announce(text: string) {
    live.textContent = '';
    setTimeout(() => (live.textContent = text), 50);
  }

  function shopper(text: string, thumb?: string): Sent {
    const note = h('p', { className: 'note' });
    const row = h(
      'div',
      { className: 'row me pending' },
      h('span', { className: 'vh' }, `${t.you}:`),
      thumb && h('img', { className: 'thumb', src: thumb, alt: t.photo }),
      h('div', { className: 'bubble', dir: 'auto' }, text),
      note,
    );
    suggestions.hidden = hint.hidden = true;
    add(row);
    scroll(true);
    return {
      sent: () => {
        row.classList.remove('pending');
        note.replaceChildren();
      },
      failed: (message, retry) => {
        row.classList.remove('pending');
        note.replaceChildren(message);
        if (retry) note.append(' ', retryButton(() => (note.replaceChildren(), row.classList.add('pending'), retry())));
      },
      remove: () => row.remove(),
    };
  }

  /** An agent's or the system's message: text, never HTML; an agent shown by first name. */
  function other(role: 'agent' | 'system', text: string, live = true, name?: string) {
    if (role === 'system') return add(h('p', { className: 'system' }, text));
    agentTyping(null);
    const by = name || t.agent;
    add(h('div', { className: 'row agent' }, h('span', { className: 'by' }, icon(PERSON), by), h('div', { className: 'bubble', dir: 'auto' }, ...richText(config, text))));
    if (live) {
      announce(`${by}: ${text}`);
      unread();
    }
  }

  let typingRow: HTMLElement | undefined;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** An agent typing: their name and the dots, until their message or a few quiet seconds. */
  function agentTyping(name: string | null) {
    clearTimeout(typingTimer);
    typingRow?.remove();
    typingRow = undefined;
    if (name === null) return;
    typingRow = h('div', { className: 'row agent' }, h('span', { className: 'by' }, icon(PERSON), name || t.agent), h('div', { className: 'bubble' }, h('span', { className: 'typing', 'aria-hidden': 'true' }, h('i'), h('i'), h('i'))));
    add(typingRow);
    typingTimer = setTimeout(() => agentTyping(null), 6000);
  }

  function answer(name: () => string): Answer {
    const text = document.createTextNode('');
    const dots = h('span', { className: 'typing', 'aria-hidden': 'true' }, h('i'), h('i'), h('i'));
    // dir=auto: an answer in another script than the page's still reads in its own direction.
    const bubble = h('div', { className: 'bubble', dir: 'auto' }, dots, text);
    const tool = h('p', { className: 'tool', hidden: true });
    const extras = h('div', { className: 'extras' });
    const row = h('div', { className: 'row bot' }, h('span', { className: 'vh' }, `${name()}:`), bubble, tool, extras);
    let problem: HTMLElement | undefined;
    add(row);
    return {
      reset() {
        text.data = '';
        bubble.replaceChildren(dots, text);
        extras.replaceChildren();
        tool.hidden = true;
      },
      delta(more) {
        dots.remove();
        text.data += more;
        scroll();
      },
      tool(label) {
        tool.hidden = !label;
        tool.textContent = label ?? '';
        scroll();
      },
      products(cards) {
        extras.append(h('div', { className: 'cards' }, ...cards.map(card)));
        scroll();
      },
      action(action) {
        extras.append(confirm(action));
        scroll();
      },
      done(full, citations, live = true) {
        tool.hidden = true;
        if (full) bubble.replaceChildren(...richText(config, full));
        else bubble.remove();
        const sources = citations.filter((c) => c.title);
        if (sources.length) {
          extras.append(
            h('p', { className: 'sources' }, ...sources.flatMap((c, i) => [i ? ' · ' : '', `${t.source} `, c.url ? link(config, c.url, c.title) : c.title])),
          );
        }
        if (live) {
          if (full) announce(`${name()}: ${full}`);
          unread();
        }
        scroll();
      },
      error(message) {
        dots.remove();
        tool.hidden = true;
        if (!text.data) bubble.remove();
        extras.append((problem = h('p', { className: 'note' }, message)));
        scroll();
      },
      retry(again) {
        const note = problem;
        note?.append(' ', retryButton(() => (note.remove(), again())));
      },
      drop: () => row.remove(),
    };
  }

  /** After adding: say so, with the way to the cart and the checkout. */
  const added = () =>
    h(
      'div',
      { className: 'added' },
      h('span', { className: 'ok' }, icon(CHECK), t.added),
      h('span', { className: 'links' }, h('a', { className: 'btn ghost', href: config.routes.cart }, t.view_cart), h('a', { className: 'btn', href: checkoutUrl(config) }, t.checkout)),
    );

  async function buy(button: HTMLButtonElement, variant: string | number, quantity: number, place: HTMLElement) {
    button.disabled = true;
    button.textContent = t.adding;
    try {
      await addToCart(config, variant, quantity);
      place.replaceChildren(added());
      announce(t.added);
    } catch (error) {
      button.disabled = false;
      button.textContent = t.add_to_cart;
      const reason = (error as Error).message;
      place.append(h('p', { className: 'note', role: 'alert' }, t.add_failed, reason ? ` ${reason}` : ''));
    }
  }

  const variantCache = new Map<string, Promise<Variant[]>>();
  /** A card's variants: from the card, or the storefront's product JSON (prices in cents). */
  function variantsOf(p: ProductCard): Promise<Variant[]> {
    if (p.variants?.length) return Promise.resolve(p.variants);
    let found = variantCache.get(p.handle);
    if (!found) {
      found = fetch(`${config.routes.root.replace(/\/$/, '')}/products/${encodeURIComponent(p.handle)}.js`)
        .then((r) => (r.ok ? r.json() : Promise.reject()))
        .then((product) =>
          (product.variants as Variant[]).map((v) => ({ id: v.id, title: v.title, price: v.price / 100, available: v.available })),
        );
      variantCache.set(p.handle, found);
    }
    return found;
  }

  // Variants are fetched only for cards the shopper can see.
  const visible = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      visible.unobserve(entry.target);
      (entry.target as HTMLElement & { load?: () => void }).load?.();
    }
  });

  function card(p: ProductCard): HTMLElement {
    const href = `${config.routes.root.replace(/\/$/, '')}/products/${encodeURIComponent(p.handle)}`;
    const image = p.image && /^https?:\/\//.test(p.image) ? p.image : null;
    const price = h('span', { className: 'price' }, priceRange(config, p.price_min, p.price_max, p.currency));
    const buyRow = h('div', { className: 'buy' });
    const el = h(
      'article',
      { className: 'card' },
      image
        ? h('img', {
            src: image,
            alt: '',
            width: 76,
            height: 76,
            loading: 'lazy',
            decoding: 'async',
            // A picture that does not load leaves a tidy blank, not a broken-image icon.
            onerror: (e: Event) => (e.target as Element).replaceWith(h('span', { className: 'img' })),
          })
        : h('span', { className: 'img', 'aria-hidden': 'true' }),
      h(
        'div',
        { className: 'info' },
        h('a', { className: 'name', href }, p.title),
        h('div', { className: 'meta' }, price, h('span', { className: p.available ? 'stock' : 'stock out' }, p.available ? t.in_stock : t.sold_out)),
        buyRow,
      ),
    ) as HTMLElement & { load?: () => void };
    if (!p.available) return el;
    const button = h('button', { type: 'button', className: 'btn' }, t.add_to_cart);
    buyRow.append(button);
    let chosen: Variant | undefined;
    let select: HTMLSelectElement | undefined;
    let loading: Promise<void> | undefined;
    const load = () =>
      (loading ||= variantsOf(p).then(
        (variants) => {
          const choices = variants.filter((v) => v.available);
          chosen = choices[0];
          if (!chosen) return buyRow.replaceChildren();
          if (variants.length < 2) return;
          const picker: HTMLSelectElement = h(
            'select',
            {
              'aria-label': `${t.option}: ${p.title}`,
              onchange: () => {
                chosen = choices[picker.selectedIndex];
                price.textContent = money(config, chosen.price, p.currency || undefined);
              },
            },
            ...choices.map((v) => h('option', { value: String(numericId(v.id)) }, v.title)),
          );
          buyRow.prepend((select = picker));
        },
        () => buyRow.replaceChildren(h('a', { className: 'btn ghost', href }, t.view_product)),
      ));
    el.load = load;
    button.onclick = async () => {
      const hadChoice = !!select;
      await load();
      if (!chosen || !button.isConnected) return;
      // A choice that just appeared is the shopper's to make first.
      if (select && !hadChoice) return select.focus();
      buy(button, chosen.id, 1, buyRow);
    };
    visible.observe(el);
    return el;
  }

  /** The engine proposes, the shopper decides: nothing is added without this click. */
  function confirm(a: CartAction): HTMLElement {
    const variant = a.variant_title && a.variant_title !== 'Default Title' ? ` (${a.variant_title})` : '';
    const item = `${a.quantity > 1 ? `${a.quantity} × ` : ''}${a.product_title}${variant}`;
    const place = h('div', { className: 'buy' });
    const box = h('div', { className: 'confirm' }, h('p', null, fill(t.confirm_add, { item })), h('p', { className: 'price' }, money(config, a.price * Math.max(1, a.quantity), a.currency)), place);
    if (!a.available) {
      place.append(h('span', { className: 'stock out' }, t.sold_out));
    } else {
      const button: HTMLButtonElement = h('button', { type: 'button', className: 'btn', onclick: () => buy(button, a.variant_id, a.quantity || 1, place) }, t.add_to_cart);
      place.append(button);
    }
    return box;
  }

  let notice: HTMLElement | undefined;
  /** "A person will reply here", what the shop's hours mean now, and an email field if needed. */
  function handoff(event: HandoffEvent | null) {
    notice?.remove();
    const text = !event ? '' : event.agents_available ? t.handoff_online : event.email_needed ? t.handoff_offline : t.handoff_later;
    const back = event?.next_open ? backAt(event.next_open) : '';
    const body = h('div', { className: 'notice' }, h('strong', null, icon(PERSON), t.handoff_title), text && h('p', null, text), back && h('p', null, back));
    if (event?.email_needed) body.append(emailForm());
    notice = body;
    add(body);
    announce(`${t.handoff_title}. ${text} ${back}`);
  }

  /** "Back Monday at 9:00", in the shopper's language and time zone. */
  function backAt(when: string): string {
    const at = new Date(when);
    if (Number.isNaN(at.getTime())) return '';
    const format = new Intl.DateTimeFormat(config.locale, { weekday: 'long', hour: 'numeric', minute: '2-digit' });
    return fill(t.back_at, { when: format.format(at) });
  }

  function emailForm(): HTMLElement {
    const email = h('input', { type: 'email', required: true, autocomplete: 'email', 'aria-label': t.email_label, placeholder: t.email_label });
    const message = h('p', { className: 'note', role: 'alert' });
    const form: HTMLFormElement = h(
      'form',
      {
        className: 'email',
        noValidate: true,
        onsubmit: async (e: Event) => {
          e.preventDefault();
          if (!email.value || !email.checkValidity()) return void (message.textContent = t.email_invalid);
          message.textContent = '';
          try {
            await actions.contact(email.value.trim());
            form.replaceWith(h('p', { className: 'ok' }, icon(CHECK), fill(t.email_thanks, { email: email.value.trim() })));
          } catch {
            message.textContent = t.error;
          }
        },
      },
      h('div', { className: 'line' }, email, h('button', { type: 'submit', className: 'btn' }, t.email_send)),
      message,
    );
    return form;
  }

  /** The rating: offered once an answer has come, thanked once given. */
  function rate(state: 'none' | 'ask' | 'done') {
    rating.hidden = state === 'none';
    if (state === 'done') return rating.replaceChildren(h('p', null, t.rate_thanks));
    if (state === 'none' || rating.querySelector('.stars')) return;
    const stars = h(
      'div',
      { className: 'stars', role: 'group', 'aria-label': t.rate_prompt },
      ...[1, 2, 3, 4, 5].map((n) =>
        h(
          'button',
          {
            type: 'button',
            'aria-label': fill(t.rate_star, { n }),
            title: fill(t.rate_star, { n }),
            onclick: () => actions.rate(n).then(() => (rate('done'), input.focus(), announce(t.rate_thanks)), () => {}),
          },
          icon(STAR),
        ),
      ),
    );
    rating.replaceChildren(h('p', null, t.rate_prompt), stars);
  }
  log.append(rating);

  return {
    open,
    close,
    isOpen,
    unread,
    announce,
    shopper,
    other,
    agentTyping,
    answer,
    handoff,
    rate,
    /** The assistant's name and greeting, and the order hint for shoppers not logged in. */
    assistant(name: string, hello: string, logged: boolean) {
      title.textContent = name;
      greeting.textContent = hello;
      loggedIn = logged;
      hint.hidden = loggedIn || suggestions.hidden;
    },
    /** Back to just the greeting (a new conversation, or before the history is drawn again). */
    clear(empty = true) {
      while (log.children.length > 2) log.children[1].remove();
      notice = undefined;
      suggestions.hidden = !empty;
      hint.hidden = !empty || loggedIn;
      rate('none');
    },
    status(text: string | null) {
      status.hidden = !text;
      status.textContent = text ?? '';
    },
    problem(text: string | null) {
      problem.hidden = !text;
      problem.textContent = text ?? '';
    },
    /** The photo waiting to be sent: its thumbnail, "Uploading…" until the server has it. */
    attachment(thumb: string | null, uploading = false) {
      chip.hidden = !thumb;
      sendButton.disabled = uploading;
      chip.replaceChildren(
        ...(thumb
          ? [
              h('img', { src: thumb, alt: t.photo }),
              uploading ? h('span', null, t.uploading) : '',
              h('button', { type: 'button', className: 'icon', 'aria-label': t.remove_photo, title: t.remove_photo, onclick: () => actions.detach() }, icon(CLOSE)),
            ]
          : []),
      );
    },
  };
}
