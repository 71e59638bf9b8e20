// Stand-in for App Bridge (cdn.shopify.com/shopifycloud/app-bridge.js), served by the Shopify
// simulator so the App Home runs offline inside the simulator's admin frame. Like App Bridge,
// it talks to the admin (the parent frame) by postMessage: `shopify.idToken()` asks it for a
// fresh session token (signed by the simulator with the app's secret), `shopify.toast.show`
// shows a toast there, `<s-app-nav>`'s links become the admin's left navigation, and a click
// there comes back as a `shopify:navigate` event on the matching link. Same-origin `fetch`
// calls get `Authorization: Bearer <session token>` unless the caller set one. Never loaded in
// production (the app's CDN setting points at Shopify there).
(() => {
  if (window.shopify) return;
  const params = new URLSearchParams(location.search);
  const admin = location.ancestorOrigins?.[0] ?? (document.referrer ? new URL(document.referrer).origin : '*');
  const apiKey = document.querySelector('meta[name="shopify-api-key"]')?.getAttribute('content') ?? '';
  let sequence = 0;
  const pending = new Map();

  const post = (message) => window.parent.postMessage({ source: 'sim-app-bridge', ...message }, admin);

  const ask = (type) =>
    new Promise((resolve, reject) => {
      const id = ++sequence;
      pending.set(id, { resolve, reject });
      post({ type, id });
      setTimeout(() => {
        if (pending.delete(id)) reject(new Error(`the admin did not answer ${type}`));
      }, 10000);
    });

  addEventListener('message', (event) => {
    if (event.source !== window.parent || (admin !== '*' && event.origin !== admin)) return;
    const message = event.data;
    if (message?.source !== 'sim-admin') return;
    if (message.type === 'reply') {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      message.error ? waiting.reject(new Error(message.error)) : waiting.resolve(message.value);
    } else if (message.type === 'navigate') {
      const link = [...document.querySelectorAll('s-app-nav s-link')].find((l) => l.getAttribute('href') === message.href);
      const target = link ?? document.body;
      if (!link) target.setAttribute('href', message.href);
      target.dispatchEvent(new CustomEvent('shopify:navigate', { bubbles: true, composed: true }));
    }
  });

  window.shopify = {
    config: { apiKey, shop: params.get('shop') ?? undefined, host: params.get('host') ?? undefined, locale: params.get('locale') ?? 'en' },
    environment: { embedded: true, mobile: false, pos: false },
    idToken: () => ask('idToken'),
    toast: {
      show(message, options = {}) {
        const id = `toast-${++sequence}`;
        post({ type: 'toast', id, message: String(message), isError: Boolean(options.isError), duration: options.duration ?? 5000 });
        return id;
      },
      hide(id) {
        post({ type: 'toast-hide', id });
      },
    },
  };

  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    if (url.origin === location.origin && !headers.has('Authorization')) {
      headers.set('Authorization', `Bearer ${await window.shopify.idToken()}`);
      return nativeFetch(input, { ...init, headers });
    }
    return nativeFetch(input, init);
  };

  const announceLocation = () => post({ type: 'location', path: location.pathname });
  for (const method of ['pushState', 'replaceState']) {
    const original = history[method].bind(history);
    history[method] = (...args) => {
      original(...args);
      announceLocation();
    };
  }
  addEventListener('popstate', announceLocation);
  addEventListener('DOMContentLoaded', () => {
    const items = [...document.querySelectorAll('s-app-nav s-link')].map((link) => ({
      href: link.getAttribute('href') ?? '/',
      label: link.textContent.trim(),
      home: link.getAttribute('rel') === 'home',
    }));
    post({ type: 'nav', items, title: document.title });
    announceLocation();
  });
})();
