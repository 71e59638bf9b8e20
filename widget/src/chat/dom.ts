//! The few DOM helpers the chat UI is built with. Text always goes in as text nodes
//! (`append` of a string, or `textContent`): nothing from the model, the shopper or an agent
//! ever reaches the DOM as HTML.

type Child = Node | string | null | undefined | false;
type Props = Record<string, unknown>;

/**
 * `h('button', { className: 'x', onclick, 'aria-label': 'Close' }, icon, 'text')`: keys with a
 * dash (and `role`, `for`) are attributes, `on*` are listeners, the rest DOM properties.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const key in props) {
    const value = props[key];
    if (value == null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value as EventListener);
    else if (key.includes('-') || key === 'role' || key === 'for') el.setAttribute(key, String(value));
    else (el as unknown as Props)[key] = value;
  }
  el.append(...(children.filter(Boolean) as (Node | string)[]));
  return el;
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
