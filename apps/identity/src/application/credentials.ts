import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Role } from '@shop/auth';

/** scrypt's cost (RFC 7914): 2^15 x 8 x 1 is about 32 MiB and ~50-100 ms per check on one core. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const HASH_BYTES = 32;
/** The demo customers of the seeded accounts. */
export const DEMO_CUSTOMERS = 100;
export const OPERATOR_USERNAME = 'ops';
const DEMO_CUSTOMER = /^c-([1-9][0-9]{0,2})$/;

interface StoredPassword {
  salt: Buffer;
  hash: Buffer;
}

export interface Account {
  subject: string;
  role: Role;
}

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, HASH_BYTES, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

async function store(password: string): Promise<StoredPassword> {
  const salt = randomBytes(16);
  return { salt, hash: await derive(password, salt) };
}

/**
 * Who may sign in, with passwords kept only as scrypt hashes (salted; the plain text is dropped once hashed at
 * start-up). The demo customers all share DEMO_CUSTOMER_PASSWORD, so they share one hash. An unknown user name
 * is checked against a dummy hash, so a wrong user and a wrong password cost the same time and get the same
 * answer.
 */
export class Credentials {
  private constructor(
    private readonly demo: StoredPassword | undefined,
    private readonly operator: StoredPassword | undefined,
    private readonly dummy: StoredPassword,
  ) {}

  static async create(demoCustomerPassword: string, operatorPassword: string): Promise<Credentials> {
    const [demo, operator, dummy] = await Promise.all([
      demoCustomerPassword ? store(demoCustomerPassword) : undefined,
      operatorPassword ? store(operatorPassword) : undefined,
      store(randomBytes(16).toString('base64url')),
    ]);
    return new Credentials(demo, operator, dummy);
  }

  get hasDemoCustomers(): boolean {
    return this.demo !== undefined;
  }

  /** The account when the password is right; undefined for a wrong password and an unknown user alike. */
  async check(username: string, password: string): Promise<Account | undefined> {
    const account = this.accountOf(username);
    const stored = account === undefined ? this.dummy : account.role === 'operator' ? this.operator! : this.demo!;
    const derived = await derive(password, stored.salt);
    const same = timingSafeEqual(derived, stored.hash);
    return same && account !== undefined ? account : undefined;
  }

  private accountOf(username: string): Account | undefined {
    if (username === OPERATOR_USERNAME) return this.operator ? { subject: username, role: 'operator' } : undefined;
    const n = DEMO_CUSTOMER.exec(username);
    if (n && this.demo && Number(n[1]) <= DEMO_CUSTOMERS) return { subject: username, role: 'customer' };
    return undefined;
  }
}
