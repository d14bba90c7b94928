import { readBoundedText } from '@shop/common';
import { request } from 'undici';
import type { Principal } from '@shop/auth';
import type { Instances, ProofFor } from './service-calls';

/**
 * The operator's demo reset, orchestrated by the console (docs/consistency.md, "Demo reset"): stock and balances
 * back to their start, orders kept. Each saga service resets its own part through its internal endpoint, in
 * this order, and the first refusal stops the rest:
 *   1. order      checks only: no PENDING order, none ended within the quiet time (orders are kept);
 *   2. inventory  under the products' row locks: nothing reserved; then seeded stock, reserved 0, sold 0;
 *   3. payment    under the accounts' row locks: no payment moved lately; then the starting balances.
 * A refusal at step 3 leaves inventory reset and balances as they were: each service's invariants still hold
 * against its own baseline, and the operator tries again. Every internal call of the reset is in this file.
 */
export const DEMO_RESET_STEPS = ['order', 'inventory', 'payment'] as const;
const INTERNAL_PATH = '/internal/demo/reset';
const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 64 * 1024;

export interface DemoResetStep {
  service: string;
  instance: string | null;
  status: number;
  answer: unknown;
}

export interface DemoResetOutcome {
  /** 200 done; 409 refused (sagas in flight); 503 a service could not be asked. */
  status: 200 | 409 | 503;
  steps: DemoResetStep[];
}

/** `caller`: whom the services see asking (the operator, or the console itself for a machine's ADMIN_TOKEN). */
export async function resetDemo(instances: Instances, proofFor: ProofFor, caller: Principal): Promise<DemoResetOutcome> {
  const steps: DemoResetStep[] = [];
  for (const service of DEMO_RESET_STEPS) {
    const instance = instances.instances(service)[0];
    if (!instance) {
      steps.push({ service, instance: null, status: 503, answer: 'no live instance' });
      return { status: 503, steps };
    }
    let status: number;
    let answer: unknown;
    try {
      const res = await request(`http://${instance.address}:${instance.port}${INTERNAL_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await proofFor(service, caller)}` },
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = res.statusCode;
      const text = await readBoundedText(res.body, MAX_BODY_BYTES);
      try {
        answer = JSON.parse(text);
      } catch {
        answer = text;
      }
    } catch (error) {
      status = 503;
      answer = (error as Error).message;
    }
    steps.push({ service, instance: instance.id, status, answer });
    if (status !== 200) return { status: status === 409 ? 409 : 503, steps };
  }
  return { status: 200, steps };
}
