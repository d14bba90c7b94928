/**
 * Where an order's accept -> CONFIRMED time goes, hop by hop, read from the rows the saga leaves in the three
 * databases (one Postgres server, so one clock):
 *   outbox_message.created_at   the writer's transaction start (the row becomes visible at its commit)
 *   outbox_message.published_at the relay's claim (its transaction start; the send and the ack follow)
 *   inbox_message.received_at   the consumer's transaction start (the handler begins)
 *   orders.history CONFIRMED    the order handler's own clock, inside its transaction
 * So for each event: "outbox" = row written -> relay claims it (the writer's commit, the NOTIFY, the relay's
 * wake-up and queue), "Kafka" = claim -> the consumer's handler starts (send, acks=all, fetch, dispatch), and the
 * last hop is order's handler (inbox, lock, update, outbox) up to the CONFIRMED timestamp.
 */
import type { SagaSystem } from '../../test/saga/support/saga-system';

export const HOPS = [
  'order outbox',
  'Kafka -> inventory',
  'inventory outbox',
  'Kafka -> payment',
  'payment outbox',
  'Kafka -> order',
  'order handler',
] as const;

export type HopLatencies = Record<(typeof HOPS)[number], number[]>;

interface OutboxTimes {
  key: string;
  created_at: Date;
  published_at: Date | null;
}
interface InboxTime {
  aggregate_id: string;
  received_at: Date;
}

const outboxSql = `SELECT key, created_at, published_at FROM outbox_message WHERE type = $1 AND key = ANY($2::text[])`;
const inboxSql = `SELECT aggregate_id, received_at FROM inbox_message WHERE type = $1 AND aggregate_id = ANY($2::text[])`;

/** Per hop, the latency (ms) of every CONFIRMED order of `orderIds` that left a complete trail. */
export async function sagaHopLatencies(system: SagaSystem, orderIds: readonly string[]): Promise<HopLatencies> {
  const ids = [...orderIds];
  const byKey = <T extends { key?: string; aggregate_id?: string }>(rows: T[]) => new Map(rows.map((r) => [(r.key ?? r.aggregate_id)!, r]));
  const [created, stockReserved, paymentSucceeded] = await Promise.all([
    system.sql<OutboxTimes>('order', outboxSql, ['OrderCreated', ids]).then(byKey),
    system.sql<OutboxTimes>('inventory', outboxSql, ['StockReserved', ids]).then(byKey),
    system.sql<OutboxTimes>('payment', outboxSql, ['PaymentSucceeded', ids]).then(byKey),
  ]);
  const [atInventory, atPayment, atOrder] = await Promise.all([
    system.sql<InboxTime>('inventory', inboxSql, ['OrderCreated', ids]).then(byKey),
    system.sql<InboxTime>('payment', inboxSql, ['StockReserved', ids]).then(byKey),
    system.sql<InboxTime>('order', inboxSql, ['PaymentSucceeded', ids]).then(byKey),
  ]);
  const confirmedAt = new Map(
    (await system.sql<{ id: string; history: { status: string; at: string }[] }>('order', `SELECT id::text, history FROM orders WHERE id = ANY($1::uuid[]) AND status = 'CONFIRMED'`, [ids])).map(
      (r) => [r.id, Date.parse(r.history.find((h) => h.status === 'CONFIRMED')!.at)],
    ),
  );
  const hops = Object.fromEntries(HOPS.map((h) => [h, [] as number[]])) as HopLatencies;
  const ms = (from: Date | null | undefined, to: Date | number | null | undefined) =>
    from && to !== undefined && to !== null ? (typeof to === 'number' ? to : to.getTime()) - from.getTime() : undefined;
  for (const id of ids) {
    const c = created.get(id);
    const s = stockReserved.get(id);
    const p = paymentSucceeded.get(id);
    const ai = atInventory.get(id);
    const ap = atPayment.get(id);
    const ao = atOrder.get(id);
    const trail = [
      ms(c?.created_at, c?.published_at),
      ms(c?.published_at, ai?.received_at),
      ms(s?.created_at, s?.published_at),
      ms(s?.published_at, ap?.received_at),
      ms(p?.created_at, p?.published_at),
      ms(p?.published_at, ao?.received_at),
      ms(ao?.received_at, confirmedAt.get(id)),
    ];
    if (trail.some((t) => t === undefined)) continue; // cancelled, or its trail was cleaned up
    trail.forEach((t, i) => hops[HOPS[i]!].push(Math.max(0, t!)));
  }
  return hops;
}
