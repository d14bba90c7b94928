import { countDatabaseRoundTrip } from '@shop/common';
import type { PoolClient, QueryResult } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

/**
 * The transaction of an event handler (`UnitOfWork.runOnce`) in as few round trips as the protocol allows: BEGIN
 * goes out with the transaction's first statement (the inbox insert), and its last statements (those the work
 * queued with `ctx.atCommit`, then the outbox insert) with COMMIT, each group in one round trip, on a connection in node-postgres' pipeline mode (`pipeline: true` in
 * the pool's options, libs/service-defaults' SagaServiceModule): the second statement is sent without waiting for the first one's
 * answer, and Postgres runs them in order. Through TypeORM's query runner the four took four round trips.
 * The statements keep their parameters (extended protocol), unlike a multi-statement text.
 *
 * What holds it safe: BEGIN fails only with the connection, and then so does the statement behind it; a failing
 * statement of the last group leaves the transaction aborted, so the COMMIT behind it is answered ROLLBACK, which is checked
 * (as is every COMMIT here: a statement that failed inside the work and was caught there aborted the transaction,
 * and TypeORM would have reported that COMMIT as a success with nothing written). On a connection without
 * pipeline mode the statements go one after the other (the same transaction, a round trip each).
 */
export class InboxTransaction {
  private open = false;

  private constructor(
    private readonly queryRunner: QueryRunner,
    private readonly client: PoolClient,
  ) {}

  /** A pooled connection, wrapped in TypeORM's query runner so that the work's statements go through its manager. */
  static async connect(dataSource: DataSource): Promise<InboxTransaction> {
    const queryRunner = dataSource.createQueryRunner();
    try {
      return new InboxTransaction(queryRunner, (await queryRunner.connect()) as PoolClient);
    } catch (error) {
      await queryRunner.release();
      throw error;
    }
  }

  /** The manager of the work's statements: TypeORM knows it is inside a transaction (no nested BEGIN of its own). */
  get manager(): EntityManager {
    return this.queryRunner.manager;
  }

  /** BEGIN and the first statement: one round trip. */
  async begin(first: Statement, isolation?: IsolationLevel): Promise<QueryResult> {
    this.open = true;
    this.markTransactionActive(true);
    const [, result] = await this.pipeline([{ sql: isolation ? `BEGIN ISOLATION LEVEL ${isolationSql(isolation)}` : 'BEGIN' }, first]);
    return result!;
  }

  /** The last statements (if any) and COMMIT: one round trip. Throws when the server rolled the transaction back. */
  async commit(last: readonly Statement[] = []): Promise<void> {
    const answers = await this.pipeline([...last, { sql: 'COMMIT' }]);
    const answer = answers[answers.length - 1]!;
    this.open = false;
    this.markTransactionActive(false);
    // COMMIT in an aborted transaction is not an error: the server answers ROLLBACK.
    if (answer.command !== 'COMMIT') throw new Error('the transaction was rolled back by the server: a statement in it failed');
  }

  /** Ends the transaction without its changes (a no-op once it is over). */
  async rollback(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.markTransactionActive(false);
    await this.send({ sql: 'ROLLBACK' });
  }

  /** Rolls back what is still open (quietly: the error that got here is the one to report) and returns the connection. */
  async release(): Promise<void> {
    try {
      await this.rollback();
    } catch {
      // the connection is gone; the server ends its transaction
    } finally {
      await this.queryRunner.release();
    }
  }

  private async send(statement: Statement): Promise<QueryResult> {
    countDatabaseRoundTrip();
    return this.client.query(statement.sql, statement.params ? [...statement.params] : undefined);
  }

  /**
   * Statements sent one behind the other without waiting for the answers when the connection pipelines (one
   * round trip); all settle before the first failure is thrown, so nothing of this transaction is still on the
   * wire afterwards. Without pipeline mode: one after the other, stopping at the first failure.
   */
  private async pipeline(statements: readonly Statement[]): Promise<QueryResult[]> {
    if (!this.client.pipeline) {
      const results: QueryResult[] = [];
      for (const statement of statements) results.push(await this.send(statement));
      return results;
    }
    countDatabaseRoundTrip();
    const settled = await Promise.allSettled(statements.map((s) => this.client.query(s.sql, s.params ? [...s.params] : undefined)));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<QueryResult>).value);
  }

  /**
   * TypeORM's own bookkeeping of the query runner's transaction: with it set, a TypeORM call inside the work
   * (`manager.save`, `manager.transaction`) joins this transaction (or takes a savepoint) instead of sending a
   * BEGIN and a COMMIT of its own, which would commit half of the work.
   */
  private markTransactionActive(active: boolean): void {
    const runner = this.queryRunner as unknown as { isTransactionActive: boolean; transactionDepth: number };
    runner.isTransactionActive = active;
    runner.transactionDepth = active ? 1 : 0;
  }
}

const ISOLATION_LEVELS: ReadonlySet<string> = new Set(['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE']);

function isolationSql(level: IsolationLevel): string {
  if (!ISOLATION_LEVELS.has(level)) throw new Error(`unknown isolation level ${JSON.stringify(level)}`);
  return level;
}
