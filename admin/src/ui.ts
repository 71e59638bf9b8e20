//! Polaris web components, made with `h`: the few shapes every screen repeats.

import { h } from './dom';

type Child = Node | string | null | undefined | false;

export const page = (heading: string, ...children: Child[]) => h('s-page', { heading, inlineSize: 'large' }, ...children);

export const section = (heading: string, ...children: Child[]) => h('s-section', { heading }, ...children);

export function button(label: string, onclick: () => void, attrs: Record<string, string | boolean> = {}): HTMLElement {
  return h('s-button', { ...attrs, onclick }, label);
}

export function banner(tone: 'info' | 'success' | 'warning' | 'critical', heading: string, ...children: Child[]) {
  return h('s-banner', { tone, heading }, ...children);
}

export const badge = (tone: string, text: string) => h('s-badge', { tone }, text);

export const paragraph = (...children: Child[]) => h('s-paragraph', {}, ...children);

/** A table: header labels, then rows of cells. */
export function table(headers: string[], rows: Child[][]): HTMLElement {
  return h(
    's-table',
    {},
    h('s-table-header-row', {}, ...headers.map((label) => h('s-table-header', {}, label))),
    h('s-table-body', {}, ...rows.map((cells) => h('s-table-row', {}, ...cells.map((cell) => h('s-table-cell', {}, cell))))),
  );
}

export function option(value: string, label: string, selected: boolean): HTMLElement {
  return h('s-option', { value, selected }, label);
}

export const STATUS_TONE: Record<string, string> = {
  idle: 'success',
  queued: 'info',
  syncing: 'attention',
  failed: 'critical',
};

export const KIND_LABEL: Record<string, string> = {
  shopify_catalog: 'Products',
  shopify_content: 'Pages, policies and articles',
  web: 'Website',
  files: 'Files',
  faq: 'FAQ',
};
