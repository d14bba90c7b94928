import { CONFIG_KEYS, DEFAULT_BREAKER_OPTIONS } from '@shop/contracts';
import { fetchStatus, Json, readConfig, writeConfig } from '../api/console-api';
import { describeError } from '../api/http';
import { operatorSession } from '../api/session';
import { signInForm } from '../shop/sign-in';
import { h } from '../lib/dom';
import { messageSlot } from '../lib/view';
import { configForm } from './config-form';
import { demoResetControl } from './demo-reset-control';
import { rateLimitEditor } from './rate-limit-editor';
import { trafficControl } from './traffic';

/**
 * Controls that change live config through the gateway's admin API (`PUT /gateway/admin/config/<key>`), for a
 * signed-in operator (user `ops`): the operator's access token goes with every write, and the gateway logs who
 * made it. The session lives in sessionStorage, for this tab only.
 */
export function adminControls(): HTMLElement {
  const token = (): string => operatorSession.current?.accessToken ?? '';
  const operator = h('div', { class: 'field token-field', 'data-testid': 'operator' });
  const renderOperator = (): void => {
    const s = operatorSession.current;
    operator.replaceChildren(
      ...(s
        ? [
            h('p', {}, 'Signed in as operator ', h('strong', { 'data-testid': 'operator-name' }, s.subject), ' '),
            h('button', { type: 'button', class: 'link-button', 'data-testid': 'operator-sign-out', onclick: () => void operatorSession.signOut() }, 'Sign out'),
          ]
        : [signInForm(operatorSession, { who: 'operator', username: 'ops', hint: 'The operator password is OPERATOR_PASSWORD (.data/secrets.env, or `docker compose logs secrets-init`).' })]),
    );
  };
  operatorSession.subscribe(renderOperator);
  renderOperator();

  const write = async (key: string, value: Json, slot: ReturnType<typeof messageSlot>): Promise<boolean> => {
    if (token() === '') {
      slot.error('Sign in as an operator first.');
      return false;
    }
    slot.info(`Writing ${key}…`);
    delete slot.element.dataset.modIndex;
    try {
      const { modIndex } = await writeConfig(key, value, token());
      const shown = JSON.stringify(value);
      const version = modIndex === undefined ? '' : ` as version ${modIndex}`;
      slot.info(`${key} ${shown.length <= 60 ? `= ${shown} ` : ''}written${version}; the apps pick it up within a second.`);
      // The version lets a reader (and the browser test) check that an app has seen this write.
      if (modIndex !== undefined) slot.element.dataset.modIndex = String(modIndex);
      return true;
    } catch (error: unknown) {
      slot.error(`Could not write ${key}. ${describeError(error)}`);
      return false;
    }
  };

  return h(
    'section',
    { class: 'panel controls', 'aria-labelledby': 'controls-title', 'data-testid': 'controls' },
    h('h2', { id: 'controls-title' }, 'Controls'),
    operator,
    numberControl({
      id: 'failure-rate',
      title: 'Payment failure rate',
      key: CONFIG_KEYS.payment.failureRate,
      unit: '%',
      min: 0,
      max: 100,
      presets: [0, 50, 100],
      hint: 'The share of charges the payment service declines on purpose: those orders are cancelled and their stock released.',
      // The payment service reads a fraction 0..1; people think in percent.
      toValue: (percent) => percent / 100,
      fromValue: (value) => (typeof value === 'number' ? Math.round(value * 100) : undefined),
      write,
      token,
    }),
    numberControl({
      id: 'latency',
      title: 'Payment latency',
      key: CONFIG_KEYS.payment.latencyMs,
      unit: 'ms',
      min: 0,
      max: 8000, // payment's own bound (below its Kafka session timeout)
      presets: [0, 1500],
      hint: 'How long the payment service waits before each charge: orders stay PENDING that much longer.',
      toValue: (ms) => ms,
      fromValue: (value) => (typeof value === 'number' ? value : undefined),
      write,
      token,
    }),
    trafficControl(),
    demoResetControl(token),
    jsonControl({ id: 'rate-limits', title: 'Rate limit policies', key: CONFIG_KEYS.gateway.rateLimits, write, token, editor: rateLimitEditor, whenUnset: effectivePolicies }),
    jsonControl({ id: 'breakers', title: 'Breaker thresholds', key: CONFIG_KEYS.gateway.breakers, write, token, editor: (v) => configForm('breakers', v), whenUnset: async () => BREAKER_DEFAULTS }),
  );
}

type Write = (key: string, value: Json, slot: ReturnType<typeof messageSlot>) => Promise<boolean>;

interface NumberControlOptions {
  id: string;
  title: string;
  key: string;
  unit: string;
  min: number;
  max: number;
  presets: number[];
  /** What the value does, in a sentence. */
  hint: string;
  toValue(shown: number): Json;
  fromValue(value: Json | undefined): number | undefined;
  write: Write;
  token(): string;
}

function numberControl(o: NumberControlOptions): HTMLElement {
  const slot = messageSlot(`${o.id}-result`);
  const input = h('input', { id: `${o.id}-input`, type: 'number', min: o.min, max: o.max, step: 1, value: 0, 'data-testid': `${o.id}-input` });
  const apply = (shown: number): void => {
    if (!Number.isFinite(shown) || shown < o.min || shown > o.max) {
      slot.error(`Enter a number from ${o.min} to ${o.max}.`);
      return;
    }
    input.value = String(shown);
    void o.write(o.key, o.toValue(shown), slot);
  };
  const load = async (): Promise<void> => {
    if (o.token() === '') return;
    try {
      const shown = o.fromValue(await readConfig(o.key, o.token()));
      if (shown !== undefined) input.value = String(shown);
    } catch (error: unknown) {
      slot.error(`Could not read ${o.key}. ${describeError(error)}`);
    }
  };
  void load();
  return h(
    'form',
    {
      class: 'control',
      'aria-labelledby': `${o.id}-title`,
      onsubmit: (e: Event) => {
        e.preventDefault();
        apply(Number(input.value));
      },
    },
    h('h3', { id: `${o.id}-title` }, o.title, ' ', h('code', { class: 'muted' }, o.key)),
    h('p', { class: 'hint' }, o.hint),
    h(
      'div',
      { class: 'row' },
      h('label', { for: `${o.id}-input` }, `Value (${o.unit})`),
      input,
      h('button', { type: 'submit', 'data-testid': `${o.id}-apply` }, 'Apply'),
      ...o.presets.map((p) => h('button', { type: 'button', class: 'preset', 'data-testid': `${o.id}-preset-${p}`, onclick: () => apply(p) }, `${p} ${o.unit}`)),
    ),
    slot.element,
  );
}

/** The gateway's built-in breaker options (the seed's "5 s, 50 %, open 5 s"), a starting point while the key has never been written. */
const BREAKER_DEFAULTS: Json = { default: { ...DEFAULT_BREAKER_OPTIONS } };

/** The policies the gateway applies now (its defaults while the key is unset), as the config key takes them. */
async function effectivePolicies(): Promise<Json> {
  return (await fetchStatus()).policies.map((p) => p.config);
}

interface JsonControlOptions {
  id: string;
  title: string;
  key: string;
  write: Write;
  token(): string;
  editor(value: Json): { element: HTMLElement; read(): Json };
  /** What to start from while the key has never been written (the gateway then runs on its defaults). */
  whenUnset(): Promise<Json>;
}

function jsonControl(o: JsonControlOptions): HTMLElement {
  const slot = messageSlot(`${o.id}-result`);
  const formSlot = h('div', {});
  const load = async (): Promise<void> => {
    if (o.token() === '') {
      slot.error('Sign in as an operator first.');
      return;
    }
    try {
      const value = await readConfig(o.key, o.token());
      if (value === undefined) {
        slot.info(`${o.key} has never been written; the gateway runs on its built-in defaults. Edit the starting point below and apply it.`);
        showEditor(await o.whenUnset());
        return;
      }
      slot.clear();
      showEditor(value);
    } catch (error: unknown) {
      slot.error(`Could not read ${o.key}. ${describeError(error)}`);
    }
  };
  const showEditor = (value: Json): void => {
    const form = o.editor(value);
    const textarea = h('textarea', { id: `${o.id}-json`, rows: 8, spellcheck: 'false', 'data-testid': `${o.id}-json` }, JSON.stringify(value, null, 2));
    const fromForm = (): void => {
      void o.write(o.key, form.read(), slot);
    };
    const fromJson = (): void => {
      try {
        void o.write(o.key, JSON.parse(textarea.value) as Json, slot);
      } catch (error: unknown) {
        slot.error(`That is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    formSlot.replaceChildren(
      form.element,
      h('button', { type: 'button', class: 'primary', 'data-testid': `${o.id}-apply`, onclick: fromForm }, 'Apply'),
      h(
        'details',
        {},
        h('summary', {}, 'Edit as JSON'),
        h('label', { for: `${o.id}-json` }, `${o.key} (JSON)`),
        textarea,
        h('button', { type: 'button', 'data-testid': `${o.id}-apply-json`, onclick: fromJson }, 'Apply JSON'),
      ),
    );
  };
  return h(
    'section',
    { class: 'control', 'aria-labelledby': `${o.id}-title` },
    h('h3', { id: `${o.id}-title` }, o.title, ' ', h('code', { class: 'muted' }, o.key)),
    h('button', { type: 'button', 'data-testid': `${o.id}-load`, onclick: () => void load() }, 'Load current value'),
    slot.element,
    formSlot,
  );
}
