import { KEY_BY } from '@shop/contracts';
import type { AlgorithmName } from '@shop/contracts';
import type { Json } from '../api/console-api';
import { h } from '../lib/dom';
import { ALGORITHM_LABELS, ALGORITHM_PARAMS, isAlgorithm, switchAlgorithm } from './rate-limit-policy';

type Policy = Record<string, Json>;

/**
 * An editor for `config/gateway/rate-limits` (an array of policies): per policy, the algorithm and the
 * parameters that algorithm takes. `read()` returns the edited array.
 */
export function rateLimitEditor(value: Json): { element: HTMLElement; read(): Json } {
  const policies: Policy[] = (Array.isArray(value) ? value : []).filter((p): p is Policy => typeof p === 'object' && p !== null && !Array.isArray(p)).map((p) => ({ ...p }));
  const element = h('div', { class: 'config-form' });
  const render = (): void => {
    element.replaceChildren(...policies.map((policy, index) => policyFieldset(policy, index)));
    if (policies.length === 0) element.append(h('p', { class: 'muted' }, 'No policies configured.'));
  };
  const policyFieldset = (policy: Policy, index: number): HTMLElement => {
    const name = typeof policy.name === 'string' ? policy.name : `policy ${index + 1}`;
    const id = (field: string): string => `rl-${index}-${field}`;
    const match = policy.match as { pathPrefix?: Json; methods?: Json } | undefined;
    const algorithm: AlgorithmName = isAlgorithm(policy.algorithm) ? policy.algorithm : 'fixed-window';
    const select = h(
      'select',
      {
        id: id('algorithm'),
        'data-testid': `rl-${name}-algorithm`,
        onchange: (e: Event) => {
          const next = (e.target as HTMLSelectElement).value;
          if (isAlgorithm(next)) {
            policies[index] = switchAlgorithm(policies[index], next);
            render();
            document.getElementById(id('algorithm'))?.focus();
          }
        },
      },
      ...Object.entries(ALGORITHM_LABELS).map(([value, label]) => h('option', { value, selected: value === algorithm }, label)),
    );
    const params = ALGORITHM_PARAMS[algorithm].map((spec) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: id(spec.field) }, spec.label),
        h('input', {
          id: id(spec.field),
          type: 'number',
          min: spec.min,
          step: spec.integer ? 1 : 0.001,
          value: typeof policy[spec.field] === 'number' ? (policy[spec.field] as number) : '',
          'data-testid': `rl-${name}-${spec.field}`,
          oninput: (e: Event) => {
            const v = Number((e.target as HTMLInputElement).value);
            if (Number.isFinite(v)) policies[index][spec.field] = v;
          },
        }),
      ),
    );
    const keySelect = h(
      'select',
      { id: id('key'), onchange: (e: Event) => (policies[index].key = (e.target as HTMLSelectElement).value) },
      ...KEY_BY.map((k) => h('option', { value: k, selected: (policy.key ?? 'ip') === k }, k)),
    );
    const where = [match?.methods && Array.isArray(match.methods) && match.methods.length ? match.methods.join(',') : 'any method', typeof match?.pathPrefix === 'string' ? match.pathPrefix : '/'].join(' ');
    return h(
      'fieldset',
      { 'data-testid': `rl-policy-${name}` },
      h('legend', {}, name, ' ', h('span', { class: 'muted' }, where)),
      h('div', { class: 'field' }, h('label', { for: id('algorithm') }, 'Algorithm'), select),
      ...params,
      h('div', { class: 'field' }, h('label', { for: id('key') }, 'Budget per'), keySelect),
    );
  };
  render();
  return { element, read: () => policies.map((p) => ({ ...p })) };
}
