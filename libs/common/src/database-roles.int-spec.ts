// Database per service (deploy/postgres/init.sql): each service role reads and writes its own database, and
// is refused a connection to the other two. Needs `npm run infra:up` (Postgres on 127.0.0.1:5432).
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

jest.setTimeout(30_000);

const services = [
  { role: 'order_svc', password: 'order_pw', database: 'orders' },
  { role: 'inventory_svc', password: 'inventory_pw', database: 'inventory' },
  { role: 'payment_svc', password: 'payment_pw', database: 'payments' },
];

async function connectAs(role: string, password: string, database: string): Promise<Client> {
  const client = new Client({
    host: '127.0.0.1',
    port: 5432,
    user: role,
    password,
    database,
    connectionTimeoutMillis: 5000,
    statement_timeout: 5000,
  });
  await client.connect();
  return client;
}

describe('each service role owns its database and only that one', () => {
  describe.each(services)('$role', ({ role, password, database }) => {
    it(`creates, writes, reads and drops a table in "${database}"`, async () => {
      const table = `it_roles_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      const client = await connectAs(role, password, database);
      try {
        const who = await client.query<{ user: string; db: string }>('SELECT current_user AS user, current_database() AS db');
        expect(who.rows[0]).toEqual({ user: role, db: database });
        await client.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, note text NOT NULL)`);
        try {
          await client.query(`INSERT INTO ${table} (id, note) VALUES ($1, $2)`, [1, role]);
          const rows = await client.query<{ note: string }>(`SELECT note FROM ${table} WHERE id = 1`);
          expect(rows.rows).toEqual([{ note: role }]);
        } finally {
          await client.query(`DROP TABLE ${table}`);
        }
      } finally {
        await client.end();
      }
    });

    const others = services.filter((s) => s.database !== database).map((s) => s.database);
    it.each(others)(`is refused a connection to "%s"`, async (other) => {
      // 42501 insufficient_privilege: "permission denied for database" (no CONNECT privilege).
      await expect(connectAs(role, password, other)).rejects.toMatchObject({ code: '42501' });
    });
  });
});
