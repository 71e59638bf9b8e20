//! Adding to the cart. The server never writes carts: the widget calls the storefront's own
//! Ajax Cart API (as the shopper, with their cart cookie) after the shopper confirms, then
//! refreshes the theme's cart count the way Dawn does, through the Section Rendering API.

import { type Config, join } from '../shared/config';

/** Shopify's numeric variant id from `123`, `"123"` or `gid://shopify/ProductVariant/123`. */
export const numericId = (id: string | number): number => Number(/\d+$/.exec(String(id))?.[0]);

export async function addToCart(config: Config, variantId: string | number, quantity = 1): Promise<void> {
  const response = await fetch(`${config.routes.cart_add.replace(/\/$/, '')}.js`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ items: [{ id: numericId(variantId), quantity }], sections: ['cart-icon-bubble'] }),
  });
  const body = await response.json().catch(() => ({}));
  // Shopify explains a refusal (sold out, quantity) in `description`, as text.
  if (!response.ok) throw new Error(body.description || body.message || '');
  refreshBubble(body.sections?.['cart-icon-bubble']);
  document.dispatchEvent(new CustomEvent('cart:refresh', { bubbles: true, detail: body }));
}

/**
 * Replaces the contents of the theme's `#cart-icon-bubble` with the freshly rendered section.
 * That HTML is the theme's own, from the storefront itself (never from the model or the
 * chat API); it is parsed inertly with DOMParser and its nodes are copied over.
 */
function refreshBubble(html: unknown): void {
  const bubble = document.getElementById('cart-icon-bubble');
  if (!bubble || typeof html !== 'string') return;
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const source = doc.getElementById('cart-icon-bubble') ?? doc.querySelector('.shopify-section') ?? doc.body;
  bubble.replaceChildren(...Array.from(source.childNodes, (node) => document.importNode(node, true)));
}

export const cartUrl = (config: Config) => config.routes.cart;
export const checkoutUrl = (config: Config) => join(config.routes.root, '/checkout');
