/// <reference lib="dom" />
// The UI runs in the browser; the root tsconfig (shared with the Node apps) has no DOM lib, so it is named here.

type Attrs = Record<string, string | number | boolean | undefined | EventListener>;
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element. Text is always set as text (never parsed as HTML), so data from the API cannot inject
 * markup. `on<event>` attributes become listeners; `false`/`undefined` attributes are left out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attrs);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

function setAttributes(element: HTMLElement, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * Re-renders without stealing keyboard focus: live data refreshes every few seconds, and a keyboard user
 * must not be thrown back to the top of the page each time. Elements are matched by id or data-testid.
 */
export function preservingFocus(render: () => void): void {
  const active = document.activeElement;
  const id = active?.id;
  const testId = active?.getAttribute('data-testid');
  render();
  if (document.activeElement !== active && (id || testId)) {
    const again = id ? document.getElementById(id) : document.querySelector(`[data-testid="${CSS.escape(testId ?? '')}"]`);
    if (again instanceof HTMLElement) again.focus();
  }
}

/**
 * Wraps a render so it runs only when the data it draws changed: a refresh that changes nothing must not
 * replace the element under the pointer (a click would be lost) or the field being typed in.
 */
export function whenChanged<T>(render: (data: T) => void): (data: T) => void {
  let last: string | undefined;
  return (data) => {
    const key = JSON.stringify(data);
    if (key === last) return;
    last = key;
    render(data);
  };
}
