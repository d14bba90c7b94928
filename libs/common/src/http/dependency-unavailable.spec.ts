import { isDependencyUnavailable } from './dependency-unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDependencyUnavailable', () => {
  it.each([
    ['the database refusing connections', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a connection reset', withCode('ECONNRESET')],
    ['Postgres shutting down (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['Postgres starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['a connection failure (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ["pg-pool's connect timeout", new Error('timeout exceeded when trying to connect')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ["TypeORM's wrapper around a driver error", Object.assign(new Error('query failed'), { driverError: withCode('57P01') })],
  ])('%s: yes', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a check violation (23514)', withCode('23514')],
    ['a syntax error (42601)', withCode('42601')],
    ['a statement timeout (57014): the statement, not the server', withCode('57014', 'canceling statement due to statement timeout')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
  ])('%s: no', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});
