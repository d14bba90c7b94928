-- Database per service (docs/consistency.md): one Postgres server, three databases, each owned by its
-- own role, and no role may connect to another service's database.
--
-- Idempotent: deploy/infra.sh applies it on every `up`, and the postgres image runs it once from
-- /docker-entrypoint-initdb.d. Both run it with psql as the superuser; `\gexec` is how psql creates a
-- database conditionally (CREATE DATABASE cannot run inside a DO block).
\set ON_ERROR_STOP on

-- Roles: created when absent; attributes and password re-asserted so a drifted role is repaired.
DO $$
DECLARE
  svc record;
BEGIN
  FOR svc IN SELECT * FROM (VALUES ('order_svc', 'order_pw'),
                                   ('inventory_svc', 'inventory_pw'),
                                   ('payment_svc', 'payment_pw')) AS t(role_name, role_password)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = svc.role_name) THEN
      EXECUTE format('CREATE ROLE %I', svc.role_name);
    END IF;
    EXECUTE format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L',
                   svc.role_name, svc.role_password);
  END LOOP;
END
$$;

SELECT format('CREATE DATABASE %I OWNER %I', db, owner)
  FROM (VALUES ('orders', 'order_svc'), ('inventory', 'inventory_svc'), ('payments', 'payment_svc')) AS t(db, owner)
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = t.db)
\gexec

-- PUBLIC gets CONNECT on every new database by default; take it away so only the owner (and superusers) get in.
ALTER DATABASE orders OWNER TO order_svc;
REVOKE CONNECT, TEMPORARY ON DATABASE orders FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE orders TO order_svc;

ALTER DATABASE inventory OWNER TO inventory_svc;
REVOKE CONNECT, TEMPORARY ON DATABASE inventory FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE inventory TO inventory_svc;

ALTER DATABASE payments OWNER TO payment_svc;
REVOKE CONNECT, TEMPORARY ON DATABASE payments FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE payments TO payment_svc;

-- The service's migrations create tables in `public`, so the role owns that schema too (PostgreSQL 15 no longer
-- lets every role create there).
\connect orders
ALTER SCHEMA public OWNER TO order_svc;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

\connect inventory
ALTER SCHEMA public OWNER TO inventory_svc;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

\connect payments
ALTER SCHEMA public OWNER TO payment_svc;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
