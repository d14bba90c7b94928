import { resetDemoData } from '../api/console-api';
import { describeError } from '../api/http';
import { h } from '../lib/dom';
import { messageSlot } from '../lib/view';

/** The operator's demo reset (POST /gateway/admin/demo/reset): a known starting point before a demo or a load test. */
export function demoResetControl(token: () => string): HTMLElement {
  const slot = messageSlot('demo-reset-result');
  const button = h('button', { type: 'submit', 'data-testid': 'demo-reset' }, 'Reset demo data');
  const reset = async (): Promise<void> => {
    if (token() === '') return slot.error('Sign in as an operator first.');
    button.disabled = true;
    slot.info('Resetting…');
    try {
      slot.info(`Done. ${(await resetDemoData(token())).join('; ')}.`);
    } catch (error: unknown) {
      slot.error(`Not reset. ${describeError(error)}`);
    } finally {
      button.disabled = false;
    }
  };
  return h(
    'form',
    {
      class: 'control',
      'aria-labelledby': 'demo-reset-title',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void reset();
      },
    },
    h('h3', { id: 'demo-reset-title' }, 'Demo data'),
    h('p', { class: 'hint' }, 'Stock and balances back to their start; orders are kept. Refused (409) while orders are still in flight.'),
    h('div', { class: 'row' }, button),
    slot.element,
  );
}
