import { describeError } from '../api/http';
import { DEMO_HINT, SessionStore } from '../api/session';
import { h } from '../lib/dom';
import { messageSlot, View } from '../lib/view';

/**
 * The sign-in form, for the shop's customers and the console's operator alike. The user name and password go
 * to POST /api/auth/sign-in; a wrong one of either gets the same answer.
 */
export function signInForm(session: SessionStore, opts: { who: string; username?: string; hint?: string; onSignedIn?: () => void }): HTMLElement {
  const slot = messageSlot(`${opts.who}-sign-in-message`);
  const username = h('input', { id: `${opts.who}-username`, name: 'username', autocomplete: 'username', required: true, value: opts.username ?? '', 'data-testid': `${opts.who}-username` });
  const password = h('input', { id: `${opts.who}-password`, name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': `${opts.who}-password` });
  const button = h('button', { type: 'submit', 'data-testid': `${opts.who}-sign-in` }, 'Sign in');
  return h(
    'form',
    {
      class: 'sign-in',
      'data-testid': `${opts.who}-sign-in-form`,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        button.disabled = true;
        slot.info('Signing in…');
        try {
          await session.signIn(username.value.trim(), password.value);
          password.value = '';
          slot.clear();
          opts.onSignedIn?.();
        } catch (error: unknown) {
          slot.error(`Could not sign in. ${describeError(error)}`);
        } finally {
          button.disabled = false;
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: `${opts.who}-username` }, 'User name'), username),
    h('div', { class: 'field' }, h('label', { for: `${opts.who}-password` }, 'Password'), password),
    button,
    ...(opts.hint ? [h('p', { class: 'hint' }, opts.hint)] : []),
    slot.element,
  );
}

/** The shop's sign-in page: shown instead of any page that needs a customer while nobody is signed in. */
export function signInView(session: SessionStore): View {
  return {
    element: h(
      'section',
      { class: 'panel', 'aria-labelledby': 'sign-in-title' },
      h('h1', { id: 'sign-in-title' }, 'Sign in'),
      signInForm(session, { who: 'customer', hint: DEMO_HINT }),
    ),
    dispose: () => undefined,
  };
}
