-- One pgbench transaction = every write of one order's happy path, as the services do it, each step in its own
-- transaction (as in the services): place (order + outbox), inventory reserve (inbox + lock + update + reservation
-- + outbox), payment charge (inbox + conditional debit + payment + outbox), order confirm (inbox + lock + update +
-- outbox), inventory sell (inbox + update), and the relay marking the four outbox rows published.
\set c random(1, 100)
\set s random(1, 20)
SELECT gen_random_uuid() AS oid, gen_random_uuid() AS e1, gen_random_uuid() AS e2, gen_random_uuid() AS e3, gen_random_uuid() AS e4, gen_random_uuid() AS key \gset
BEGIN;
INSERT INTO orders (id, customer_id, status, items, total_cents, history, idempotency_key, request_hash)
  VALUES (:oid, 'c-' || :c, 'PENDING', '[{"sku":"SKU-0001","quantity":1,"priceCents":499}]', 499, '[{"status":"PENDING","at":"x"}]', :key, 'h');
INSERT INTO outbox_message (id, topic, key, type, payload) VALUES (:e1, 'order.events', :oid, 'OrderCreated', '{"totalCents":499}');
END;
BEGIN;
INSERT INTO inbox_message (event_id, consumer, type, aggregate_id) VALUES (:e1, 'inventory', 'OrderCreated', :oid) ON CONFLICT DO NOTHING;
SELECT sku FROM products WHERE sku = ANY(ARRAY['SKU-' || lpad(:s::text, 4, '0')]) ORDER BY sku FOR UPDATE;
UPDATE products SET available = available - 1, reserved = reserved + 1 WHERE sku = 'SKU-' || lpad(:s::text, 4, '0') AND available >= 1;
INSERT INTO reservations (order_id, status, lines) VALUES (:oid, 'RESERVED', '[{"sku":"SKU-0001","quantity":1}]');
INSERT INTO outbox_message (id, topic, key, type, payload) VALUES (:e2, 'inventory.events', :oid, 'StockReserved', '{"totalCents":499}');
END;
BEGIN;
INSERT INTO inbox_message (event_id, consumer, type, aggregate_id) VALUES (:e2, 'payment', 'StockReserved', :oid) ON CONFLICT DO NOTHING;
SELECT * FROM payments WHERE order_id = :oid FOR UPDATE;
UPDATE accounts SET balance_cents = balance_cents - 499 WHERE customer_id = 'c-' || :c AND balance_cents >= 499;
INSERT INTO payments (order_id, payment_id, customer_id, amount_cents, status) VALUES (:oid, gen_random_uuid(), 'c-' || :c, 499, 'CHARGED');
INSERT INTO outbox_message (id, topic, key, type, payload) VALUES (:e3, 'payment.events', :oid, 'PaymentSucceeded', '{"amountCents":499}');
END;
BEGIN;
INSERT INTO inbox_message (event_id, consumer, type, aggregate_id) VALUES (:e3, 'order', 'PaymentSucceeded', :oid) ON CONFLICT DO NOTHING;
SELECT * FROM orders WHERE id = :oid FOR UPDATE;
UPDATE orders SET status = 'CONFIRMED', history = history || '[{"status":"CONFIRMED","at":"y"}]', updated_at = now() WHERE id = :oid;
INSERT INTO outbox_message (id, topic, key, type, payload) VALUES (:e4, 'order.events', :oid, 'OrderConfirmed', '{"totalCents":499}');
END;
BEGIN;
INSERT INTO inbox_message (event_id, consumer, type, aggregate_id) VALUES (:e4, 'inventory', 'OrderConfirmed', :oid) ON CONFLICT DO NOTHING;
SELECT order_id FROM reservations WHERE order_id = :oid FOR UPDATE;
UPDATE products SET reserved = reserved - 1, sold = sold + 1 WHERE sku = 'SKU-' || lpad(:s::text, 4, '0') AND reserved >= 1;
UPDATE reservations SET status = 'SOLD', updated_at = now() WHERE order_id = :oid;
END;
UPDATE outbox_message SET status = 'published', published_at = now() WHERE key = :oid AND status = 'pending';
