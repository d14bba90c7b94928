import { ApiError, createValidationPipe } from '@shop/common';
import { DEFAULT_TTL_MS, RegistrationDto } from './registration.dto';

/** The registration body through the pipe every app validates with: the registry's own error code, `invalid_body`. */
const validate = (body: unknown) => createValidationPipe().transform(body, { type: 'body', metatype: RegistrationDto });
const refusal = async (body: unknown) => {
  try {
    await validate(body);
  } catch (error) {
    return error instanceof ApiError ? `${error.status} ${error.code}: ${error.message}` : String(error);
  }
  return 'accepted';
};

describe('RegistrationDto (PUT /v1/services/<service>/<instanceId>)', () => {
  it('takes address and port; meta and ttlMs default', async () => {
    expect(await validate({ address: '10.0.0.1', port: 80 })).toEqual(Object.assign(new RegistrationDto(), { address: '10.0.0.1', port: 80, meta: {}, ttlMs: DEFAULT_TTL_MS }));
  });

  it('refuses with 400 invalid_body, each problem named once', async () => {
    expect(await refusal({ address: '', port: 'x' })).toBe('400 invalid_body: address must be a host name or IP; port must be 1..65535');
    expect(await refusal({ address: 'h', port: 1, ttlMs: null })).toBe('400 invalid_body: ttlMs must be 1000..600000');
    expect(await refusal({ address: 'h', port: 1, meta: { a: 1 } })).toBe('400 invalid_body: meta holds at most 32 string entries of 256 characters');
    expect(await refusal({ address: 'h', port: 1, meta: [] })).toBe('400 invalid_body: meta must be an object of strings');
    expect(await refusal({ address: 'h', port: 1, extra: 1 })).toBe('400 invalid_body: property extra should not exist');
    expect(await refusal([{ address: 'h', port: 1 }])).toBe('400 invalid_body: the body must be a JSON object');
    expect(await refusal(undefined)).toBe('400 invalid_body: the body must be a JSON object');
  });
});
