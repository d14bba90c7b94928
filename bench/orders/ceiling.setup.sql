-- The database ceiling of one order's saga for `npm run bench:orders`: the same tables (shape and indexes) as the
-- three services' migrations, in one throwaway database, seeded like the demo data.
CREATE TABLE orders (
  id uuid PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, reason text, items jsonb NOT NULL,
  total_cents bigint NOT NULL, history jsonb NOT NULL, idempotency_key text NOT NULL, request_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE UNIQUE INDEX orders_idempotency_key ON orders (idempotency_key);
CREATE INDEX orders_customer_created ON orders (customer_id, created_at);
CREATE INDEX orders_pending_created ON orders (created_at) WHERE status = 'PENDING';
CREATE TABLE products (sku text PRIMARY KEY, name text NOT NULL, price_cents bigint NOT NULL, available int NOT NULL CHECK (available >= 0),
  reserved int NOT NULL DEFAULT 0 CHECK (reserved >= 0), sold int NOT NULL DEFAULT 0 CHECK (sold >= 0));
CREATE TABLE reservations (order_id text PRIMARY KEY, status text NOT NULL, lines jsonb NOT NULL, reason text, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE accounts (customer_id text PRIMARY KEY, balance_cents bigint NOT NULL CHECK (balance_cents >= 0));
CREATE TABLE payments (order_id text PRIMARY KEY, payment_id uuid NOT NULL UNIQUE, customer_id text NOT NULL, amount_cents bigint NOT NULL,
  status text NOT NULL, reason text, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE outbox_message (id uuid PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY, topic text NOT NULL, key text NOT NULL, type text NOT NULL,
  payload jsonb NOT NULL, headers jsonb NOT NULL DEFAULT '{}', status text NOT NULL DEFAULT 'pending', attempts int NOT NULL DEFAULT 0,
  last_error text, created_at timestamptz NOT NULL DEFAULT now(), available_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
CREATE INDEX outbox_message_pending_key ON outbox_message (key, seq) WHERE status = 'pending';
CREATE INDEX outbox_message_key_created ON outbox_message (key, created_at);
CREATE TABLE inbox_message (event_id text NOT NULL, consumer text NOT NULL, type text NOT NULL, aggregate_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (event_id, consumer));
INSERT INTO products (sku, name, price_cents, available) SELECT 'SKU-' || lpad(n::text, 4, '0'), 'p' || n, 499, 100000000 FROM generate_series(1, 20) n;
INSERT INTO accounts (customer_id, balance_cents) SELECT 'c-' || n, 1000000000000 FROM generate_series(1, 100) n;
