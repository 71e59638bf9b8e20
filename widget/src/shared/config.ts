//! What the app embed block (theme-extension/blocks/concierge.liquid) hands the scripts, and
//! what the loader hands the chat UI. The block is the only source of page context and text:
//! every string the widget shows comes from `t`, translated by Liquid's `t` filter.

/** Keys of `concierge.*` in theme-extension/locales/*.json (build.mjs --check keeps them in step). */
export type StringKey =
  | 'launcher' | 'title' | 'subtitle' | 'close' | 'new_conversation' | 'greeting' | 'placeholder'
  | 'send' | 'attach' | 'remove_photo' | 'photo' | 'photo_type' | 'photo_size' | 'uploading'
  | 'upload_failed' | 'suggest_order' | 'suggest_person' | 'order_hint' | 'you' | 'assistant'
  | 'agent' | 'thinking' | 'tool_search' | 'tool_product' | 'tool_inventory' | 'tool_order'
  | 'tool_knowledge' | 'tool_cart' | 'tool_handoff' | 'tool_other' | 'source' | 'in_stock'
  | 'sold_out' | 'option' | 'add_to_cart' | 'adding' | 'added' | 'add_failed' | 'confirm_add'
  | 'view_cart' | 'checkout' | 'view_product' | 'handoff_title' | 'handoff_online'
  | 'handoff_offline' | 'handoff_later' | 'back_at' | 'email_label' | 'email_send' | 'email_invalid'
  | 'email_thanks' | 'rate_prompt' | 'rate_star' | 'rate_thanks' | 'error' | 'retry'
  | 'reconnecting' | 'not_sent' | 'closed' | 'new_message';

export type Strings = Record<StringKey, string>;

export interface Config {
  /** The shop's myshopify domain. */
  shop: string;
  shop_name: string;
  /** The storefront's language (`en`, `pt-BR`...). */
  locale: string;
  /** The cart's (presentment) currency. */
  currency: string;
  country: string | null;
  /** `template.name`: `product`, `collection`, `index`, `cart`... */
  template: string;
  /** For the UI only (the order hint); the app proxy tells the server who the shopper is. */
  logged_in: boolean;
  product: { id: number; handle: string; title: string; variant_id: number | null } | null;
  collection: { id: number; handle: string; title: string } | null;
  /** Shopify's `routes`: `root` carries the locale prefix (`/fr`) or the simulator's shop prefix. */
  routes: { root: string; cart: string; cart_add: string; cart_change: string };
  accent: string;
  position: 'left' | 'right';
  label: string;
  /** The chat UI's asset URL. */
  chat_url: string;
  t: Strings;
}

/** What the chat UI offers the loader once it has run. */
export interface Chat {
  open(): void;
  toggle(): void;
}

/** Left on `window.__concierge` by the loader for the chat UI to pick up. */
export interface Handoff {
  config: Config;
  root: ShadowRoot;
  /** The element inside the shadow root that carries `dir` and the colour variables. */
  frame: HTMLElement;
  launcher: HTMLButtonElement;
  badge: HTMLElement;
  ready(chat: Chat): void;
}

declare global {
  interface Window {
    __concierge?: Handoff;
  }
}

/** `base` + `path` without doubling or losing the slash between them (`/` + `/cart`). */
export const join = (base: string, path: string): string => base.replace(/\/+$/, '') + path;

/** Right-to-left scripts among the storefront languages we may be shown in. */
export const isRtl = (locale: string): boolean => /^(ar|he|iw|fa|ur)\b/i.test(locale);
