import { Credentials } from './credentials';

describe('Credentials', () => {
  let credentials: Credentials;
  beforeAll(async () => {
    credentials = await Credentials.create('demo-password', 'operator-password-1');
  });

  it('signs in the demo customers c-1..c-100 and the operator with their passwords', async () => {
    await expect(credentials.check('c-1', 'demo-password')).resolves.toEqual({ subject: 'c-1', role: 'customer' });
    await expect(credentials.check('c-100', 'demo-password')).resolves.toEqual({ subject: 'c-100', role: 'customer' });
    await expect(credentials.check('ops', 'operator-password-1')).resolves.toEqual({ subject: 'ops', role: 'operator' });
  });

  it('gives the same answer for a wrong password, an unknown user and a customer outside the demo range', async () => {
    for (const [user, password] of [['c-1', 'wrong'], ['c-101', 'demo-password'], ['nobody', 'demo-password'], ['ops', 'demo-password'], ['c-01', 'demo-password']]) {
      await expect(credentials.check(user!, password!)).resolves.toBeUndefined();
    }
  });

  it('has no demo customers and no operator when their passwords are unset', async () => {
    const none = await Credentials.create('', '');
    expect(none.hasDemoCustomers).toBe(false);
    await expect(none.check('c-1', '')).resolves.toBeUndefined();
    await expect(none.check('ops', '')).resolves.toBeUndefined();
  });
});
