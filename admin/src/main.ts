//! Concierge's App Home: one page inside the Shopify admin, drawn with Polaris web components
//! and talking to the app through App Bridge. The server answers every screen's path with the
//! same HTML (src/http/app_home.rs); this file picks the screen from the path and follows the
//! admin's navigation (`shopify:navigate` from `<s-app-nav>`) without reloading.

import { api, describe, onExpired } from './api';
import { h, replace } from './dom';
import { banner, button, page } from './ui';
import { home } from './screens/home';
import { settings } from './screens/settings';
import { knowledge } from './screens/knowledge';
import { playground } from './screens/playground';
import { inbox } from './screens/inbox';

/** A screen draws into `root` and stops its polling when `signal` aborts. */
export type Screen = (root: HTMLElement, signal: AbortSignal) => Promise<void>;

const SCREENS: Record<string, Screen> = {
  '/': home,
  '/settings': settings,
  '/knowledge': knowledge,
  '/playground': playground,
  '/inbox': inbox,
};

const root = document.getElementById('app') as HTMLElement;
let current: AbortController | undefined;
let sessionExpired = false;

function showExpired(): void {
  if (sessionExpired) return;
  sessionExpired = true;
  current?.abort();
  replace(
    root,
    page(
      'Concierge',
      banner(
        'critical',
        'Your session expired — reload',
        h('s-paragraph', {}, 'The admin did not vouch for this page any more (the session is too old, or it belongs to another store). Reload to continue.'),
        button('Reload', () => location.reload(), { variant: 'primary' }),
      ),
    ),
  );
  root.querySelector<HTMLElement>('s-button')?.focus();
}

async function show(path: string): Promise<void> {
  if (sessionExpired) return;
  current?.abort();
  current = new AbortController();
  const screen = SCREENS[path] ?? (path.startsWith('/inbox/') ? inbox : home);
  const target = h('div', { class: 'screen' });
  replace(root, target);
  try {
    await screen(target, current.signal);
  } catch (error) {
    if (sessionExpired || current.signal.aborted) return;
    replace(target, page('Concierge', banner('critical', 'Something went wrong', h('s-paragraph', {}, describe(error)))));
  }
  // Move focus to the new screen, as a page load would, unless the merchant is already in it:
  // the screen may finish loading while they type in a field it showed first.
  if (!sessionExpired && !target.contains(document.activeElement)) root.focus({ preventScroll: true });
}

function navigate(href: string): void {
  const url = new URL(href, location.href);
  if (url.origin !== location.origin) return;
  history.pushState(null, '', url.pathname + location.search);
  void show(url.pathname);
}

async function start(): Promise<void> {
  onExpired(showExpired);
  document.addEventListener('shopify:navigate', (event) => {
    const href = (event.target as Element | null)?.getAttribute('href');
    if (href) navigate(href);
  });
  addEventListener('popstate', () => void show(location.pathname));
  // In-app links (`<a data-nav href="/settings">`) move without a reload.
  document.addEventListener('click', (event) => {
    const link = (event.target as Element | null)?.closest?.('a[data-nav]');
    if (link) {
      event.preventDefault();
      navigate(link.getAttribute('href') ?? '/');
    }
  });
  // The first call: it verifies the session token and, for a shop that has no credentials
  // yet, trades it for an access token (token exchange).
  try {
    await api('/api/shop');
  } catch (error) {
    if (!sessionExpired) replace(root, page('Concierge', banner('critical', 'Concierge could not start', h('s-paragraph', {}, describe(error)))));
    return;
  }
  await show(location.pathname);
}

void start();
