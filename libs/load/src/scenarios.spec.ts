import { Answer, LoadContext, parseMix, scenarioFromFile, builtInScenarios } from './scenarios';

/** A context that records what a scenario asks, and answers 200 with a fixed body. */
function recordingContext(random: () => number = () => 0.5): { ctx: LoadContext; calls: { method: string; path: string; body: unknown; name?: string }[] } {
  const calls: { method: string; path: string; body: unknown; name?: string }[] = [];
  const ctx: LoadContext = {
    vu: 0,
    iteration: 0,
    customerId: 'c-7',
    signal: new AbortController().signal,
    request: async (method, path, options = {}): Promise<Answer> => {
      calls.push({ method, path, body: options.body, name: options.name });
      return { status: '200', httpStatus: 200, json: {} };
    },
    outcome: () => undefined,
    sleep: async () => undefined,
    random,
  };
  return { ctx, calls };
}

describe('scenario files', () => {
  it('runs steps in order with {customer} and {sku} filled in, in paths and bodies', async () => {
    const scenario = scenarioFromFile({
      name: 'account-page',
      skus: ['SKU-0001'],
      steps: [
        { path: '/api/products/{sku}' },
        { method: 'post', path: '/api/orders/tokens', body: { customerId: '{customer}', tags: ['{sku}'] }, name: 'token' },
      ],
    });
    const { ctx, calls } = recordingContext();
    await scenario.run(ctx);
    expect(scenario.name).toBe('account-page');
    expect(calls).toEqual([
      { method: 'GET', path: '/api/products/SKU-0001', body: undefined, name: 'GET /api/products/{sku}' },
      { method: 'POST', path: '/api/orders/tokens', body: { customerId: 'c-7', tags: ['SKU-0001'] }, name: 'token' },
    ]);
  });

  it('mixes the built-in scenarios by weight', async () => {
    const mostlyBrowse = scenarioFromFile({ mix: { browse: 1, checkout: 0 } });
    const { ctx, calls } = recordingContext();
    await mostlyBrowse.run(ctx);
    expect(calls[0]!.path).toMatch(/^\/api\/products/);
    expect(parseMix('browse=8,checkout=2', builtInScenarios()).name).toBe('mix(browse=8,checkout=2)');
  });

  it('refuses a file it cannot run, saying why', () => {
    expect(() => scenarioFromFile([])).toThrow(/"mix" or "steps"/);
    expect(() => scenarioFromFile({ steps: [] })).toThrow(/1\.\.100 requests/);
    expect(() => scenarioFromFile({ steps: [{ path: 'no-slash' }] })).toThrow(/step 1: path must start with \//);
    expect(() => scenarioFromFile({ steps: [{ method: 'BREW', path: '/x' }] })).toThrow(/unknown method BREW/);
    expect(() => scenarioFromFile({ mix: { surf: 1 } })).toThrow(/"surf" must be browse or checkout/);
    expect(() => parseMix('browse=0', builtInScenarios())).toThrow(/positive sum/);
  });
});
