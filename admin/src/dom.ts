//! Building DOM without a framework: `h(tag, attributes, ...children)`. Strings become text
//! nodes (never HTML), so nothing a merchant, shopper or model wrote can inject markup.

type Child = Node | string | number | null | undefined | false;
type Value = string | number | boolean | null | undefined | ((event: Event) => void);

/** An element; `onclick`-style keys holding a function become listeners, `true` an empty attribute. */
export function h(tag: string, attrs: Record<string, Value> = {}, ...children: (Child | Child[])[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces `parent`'s children. */
export function replace(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** The `value` a Polaris field holds (text fields, selects, text areas). */
export function valueOf(field: Element | null): string {
  return field ? String((field as HTMLInputElement).value ?? '') : '';
}

/** Whether a Polaris checkbox is checked. */
export function checkedOf(field: Element | null): boolean {
  return Boolean((field as HTMLInputElement | null)?.checked);
}

/** A progress bar with an accessible name and a visible "x of y". */
export function progress(label: string, done: number, total: number): HTMLElement {
  const max = Math.max(total, 1);
  return h(
    'div',
    { class: 'progress' },
    h('progress', { max, value: Math.min(done, max), 'aria-label': label }),
    h('span', { class: 'progress-text' }, total ? `${done} of ${total}` : '—'),
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
