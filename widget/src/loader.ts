//! The loader: the only script on every storefront page. It draws the launcher (a fixed
//! button, so nothing on the page moves) and nothing else; the chat UI is fetched on the
//! shopper's first sign of interest (pointer over or focus on the launcher, or a click) or
//! once the page has loaded and the browser is idle, whichever comes first.

import css from './loader.css';
import { palette } from './shared/color';
import { type Chat, type Config, isRtl } from './shared/config';
import { CHAT, icon } from './shared/icon';

function start(config: Config): void {
  // An element name no theme styles; its shadow root keeps our CSS and the theme's apart.
  const host = document.createElement('concierge-chat');
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = css;

  const frame = document.createElement('div');
  frame.className = config.position === 'left' ? 'cc left' : 'cc';
  frame.dir = isRtl(config.locale) ? 'rtl' : 'ltr';
  frame.lang = config.locale;
  const colors = palette(config.accent);
  frame.style.cssText = `--a:${colors.accent};--on:${colors.on};--ink:${colors.ink}`;

  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.setAttribute('aria-haspopup', 'dialog');
  launcher.setAttribute('aria-expanded', 'false');
  const label = document.createElement('span');
  label.className = 'label';
  label.textContent = config.label;
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  launcher.append(icon(CHAT), label, badge);

  frame.append(launcher);
  root.append(style, frame);
  document.body.append(host);

  let loading: Promise<Chat> | undefined;
  const load = (): Promise<Chat> =>
    (loading ||= new Promise<Chat>((ready, fail) => {
      window.__concierge = { config, root, frame, launcher, badge, ready };
      const script = document.createElement('script');
      script.src = config.chat_url;
      script.async = true;
      script.onerror = () => {
        // Let a later click try again.
        loading = undefined;
        script.remove();
        fail();
      };
      document.head.append(script);
    }));
  const prefetch = () => void load().catch(() => {});

  launcher.addEventListener('pointerenter', prefetch, { once: true });
  launcher.addEventListener('focus', prefetch, { once: true });
  launcher.addEventListener('click', () => {
    launcher.setAttribute('aria-busy', 'true');
    load()
      .then((chat) => chat.toggle(), () => {})
      .finally(() => launcher.removeAttribute('aria-busy'));
  });

  // A mailed reply's link back to the conversation: the chat opens at once.
  if (location.search.includes('concierge_conversation=')) {
    load().then((chat) => chat.open(), () => {});
    return;
  }

  // After the page's own load, never competing with it.
  const idle = () =>
    'requestIdleCallback' in window
      ? requestIdleCallback(prefetch, { timeout: 10_000 })
      : setTimeout(prefetch, 3_000);
  if (document.readyState === 'complete') idle();
  else addEventListener('load', idle, { once: true });
}

const element = document.querySelector('script[data-concierge-config]');
if (element && !window.__concierge) {
  try {
    start(JSON.parse(element.textContent || ''));
  } catch (error) {
    console.warn('concierge', error);
  }
}
