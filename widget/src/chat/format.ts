//! Prices and answer text. Answers are plain text; the only markup made from them is links,
//! and only to http(s) URLs or to paths on this shop, built as elements with text inside.

import { type Config, join } from '../shared/config';
import { h } from './dom';

export function money(config: Config, amount: number, currency?: string): string {
  try {
    return new Intl.NumberFormat(config.locale, { style: 'currency', currency: currency || config.currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency || config.currency}`;
  }
}

export const priceRange = (config: Config, min: number, max: number, currency?: string) =>
  min < max ? `${money(config, min, currency)} – ${money(config, max, currency)}` : money(config, min, currency);

/** `{name}` placeholders in a translated string. */
export const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));

/**
 * Where a link in an answer may go, or null. Shop paths (`/products/x`) get the storefront's
 * root (locale prefix); the shop's own myshopify URLs are kept on the storefront the shopper
 * is on; other http(s) URLs are external; any other scheme is not a link.
 */
export function safeHref(config: Config, raw: string): { href: string; external: boolean } | null {
  if (/^\/(?!\/)/.test(raw)) return { href: join(config.routes.root, raw), external: false };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.host === config.shop && url.host !== location.host) {
    return { href: join(config.routes.root, url.pathname + url.search + url.hash), external: false };
  }
  return { href: url.href, external: url.host !== location.host };
}

export function link(config: Config, raw: string, label: string): Node {
  const target = safeHref(config, raw);
  if (!target) return document.createTextNode(label);
  return h('a', {
    href: target.href,
    target: target.external ? '_blank' : null,
    rel: 'noopener noreferrer',
  }, label);
}

// A Markdown link, a bare http(s) URL, or a shop path after a space or an opening bracket.
const LINKS =
  /\[([^\]\n]{1,300})\]\(([^()\s]{1,2000})\)|(https?:\/\/[^\s<>"'`]+)|(^|[\s(])(\/(?:products|collections|pages|policies|blogs|cart|search|account)\b[^\s<>"'`]*)/g;

/** Answer text as nodes: text, with links where the text names one. */
export function richText(config: Config, text: string): Node[] {
  const nodes: Node[] = [];
  let last = 0;
  for (const m of text.matchAll(LINKS)) {
    let start = m.index!;
    let end = start + m[0].length;
    let label: string;
    let href: string;
    if (m[1]) {
      [label, href] = [m[1], m[2]];
    } else {
      start += (m[4] ?? '').length;
      // Sentence punctuation after a URL is not part of it.
      href = label = (m[3] ?? m[5]).replace(/[.,;:!?)\]]+$/, '');
      end = start + href.length;
    }
    nodes.push(document.createTextNode(text.slice(last, start)), link(config, href, label));
    last = end;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}
