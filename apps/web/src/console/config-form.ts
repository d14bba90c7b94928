import type { Json } from '../api/console-api';
import { h } from '../lib/dom';

/**
 * A form for any JSON config value: one labelled input per number, text or flag, fieldsets for nested objects
 * and lists. It edits a copy; `read()` returns the edited value. The gateway validates what is sent; this
 * form only keeps types right.
 */
export function configForm(idPrefix: string, value: Json): { element: HTMLElement; read(): Json } {
  const draft: Json = structuredClone(value);
  const element = h('div', { class: 'config-form' }, render(draft, [], idPrefix));
  return { element, read: () => structuredClone(draft) };
}

type Path = (string | number)[];

function render(root: Json, path: Path, idPrefix: string): HTMLElement {
  const value = get(root, path);
  if (value !== null && typeof value === 'object') {
    const fields = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    const legend = path.length === 0 ? null : h('legend', {}, legendFor(value, path));
    return h('fieldset', { class: path.length === 0 ? 'root' : '' }, legend, ...fields.map((k) => render(root, [...path, k], idPrefix)));
  }
  const id = `${idPrefix}-${path.join('-')}`;
  const name = String(path[path.length - 1] ?? 'value');
  const testId = `${idPrefix}.${path.join('.')}`;
  const set = (v: Json): void => setAt(root, path, v);
  let input: HTMLElement;
  if (typeof value === 'number') {
    input = h('input', {
      id,
      type: 'number',
      step: 'any',
      value,
      'data-testid': testId,
      oninput: (e: Event) => {
        const n = Number((e.target as HTMLInputElement).value);
        if (Number.isFinite(n)) set(n);
      },
    });
  } else if (typeof value === 'boolean') {
    input = h('input', { id, type: 'checkbox', checked: value, 'data-testid': testId, onchange: (e: Event) => set((e.target as HTMLInputElement).checked) });
  } else {
    input = h('input', { id, type: 'text', value: value === null ? '' : value, 'data-testid': testId, oninput: (e: Event) => set((e.target as HTMLInputElement).value) });
  }
  return h('div', { class: 'field' }, h('label', { for: id }, name), input);
}

function legendFor(value: Json, path: Path): string {
  const key = String(path[path.length - 1]);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const name = value.name ?? value.policy ?? value.id;
    if (typeof name === 'string') return typeof path[path.length - 1] === 'number' ? name : `${key}: ${name}`;
  }
  return key;
}

function get(root: Json, path: Path): Json {
  let cur: Json = root;
  for (const k of path) cur = (cur as Record<string | number, Json>)[k];
  return cur;
}

function setAt(root: Json, path: Path, v: Json): void {
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Json>;
  parent[path[path.length - 1]] = v;
}
