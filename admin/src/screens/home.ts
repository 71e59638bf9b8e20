//! Home: the first sync's live progress per source, the setup checklist with the theme
//! editor's deep link, and the last seven days in numbers.

import { api } from '../api';
import { h, progress, replace } from '../dom';
import type { Home, Source } from '../types';
import { KIND_LABEL, STATUS_TONE, badge, button, page, paragraph, section } from '../ui';

const POLL_MS = 1000;

export async function home(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const body = h('div');
  replace(root, page('Home', body));
  for (;;) {
    const data = await api<Home>('/api/home', { signal });
    if (signal.aborted) return;
    replace(body, syncSection(data), checklistSection(data), statsSection(data));
    if (data.sync.done) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (signal.aborted) return;
  }
}

function syncSection({ sync }: Home): HTMLElement {
  return section(
    sync.done ? 'Knowledge synced' : 'Syncing your store',
    h('p', { class: 'overall' }, `${sync.percent}% ready`),
    h('progress', { max: 100, value: sync.percent, 'aria-label': 'Overall sync' }),
    h('ul', { class: 'sources' }, ...sync.sources.map(sourceLine)),
  );
}

function sourceLine(source: Source): HTMLElement {
  const label = KIND_LABEL[source.kind] ?? source.kind;
  return h(
    'li',
    { class: 'source-line' },
    h('span', { class: 'source-name' }, label),
    badge(STATUS_TONE[source.status] ?? 'neutral', source.status),
    progress(`${label} synced`, source.processed, source.seen),
    source.failed ? h('span', { class: 'failed' }, `${source.failed} failed`) : null,
    source.last_error ? h('p', { class: 'error-text' }, explain(source.last_error)) : null,
  );
}

/** The error as stored, with the usual causes spelled out for a merchant. */
function explain(error: string): string {
  if (/401|403|access token/i.test(error)) return `Shopify refused our access (${error}). Open the app again to re-authorise it.`;
  if (/throttl|429/i.test(error)) return `Shopify asked us to slow down (${error}); the sync resumes by itself.`;
  return error;
}

function checklistSection(data: Home): HTMLElement {
  const c = data.checklist;
  const item = (done: boolean, label: string, ...extra: (Node | null)[]) =>
    h('li', { class: done ? 'done' : 'todo' }, badge(done ? 'success' : 'neutral', done ? 'Done' : 'To do'), h('span', {}, label), ...extra);
  return section(
    'Setup checklist',
    h(
      'ul',
      { class: 'checklist' },
      item(
        c.widget_enabled,
        'Chat widget enabled on your storefront',
        c.widget_enabled ? null : button('Activate in theme editor', () => {}, { href: data.theme_editor_url, target: '_top', variant: 'primary' }),
      ),
      item(c.knowledge_synced, 'Knowledge synced'),
      item(c.assistant_named, 'Assistant named', c.assistant_named ? null : h('a', { href: '/settings', 'data-nav': true }, 'Name it in Settings')),
      item(c.test_conversation, 'Test conversation held', c.test_conversation ? null : h('a', { href: '/playground', 'data-nav': true }, 'Try the Playground')),
    ),
  );
}

function statsSection({ stats }: Home): HTMLElement {
  if (!stats.conversations) {
    return section(`Last ${stats.days} days`, paragraph('No conversations yet. Numbers appear here once shoppers chat.'));
  }
  const figure = (label: string, value: string) => h('div', { class: 'figure' }, h('span', { class: 'figure-value' }, value), h('span', { class: 'figure-label' }, label));
  const resolved = stats.conversations ? Math.round((100 * stats.ai_resolved) / stats.conversations) : 0;
  return section(
    `Last ${stats.days} days`,
    h(
      'div',
      { class: 'figures' },
      figure('Conversations', String(stats.conversations)),
      figure('Messages', String(stats.messages)),
      figure('Resolved by the assistant', `${resolved}%`),
      figure('Handed to your team', String(stats.handoffs)),
      figure('Satisfaction', stats.csat_average === null ? '—' : `${stats.csat_average.toFixed(1)} / 5`),
    ),
  );
}

