import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, stopChild } from '@shop/testing';
import { dashboardQueries, exportedMetricNames, metricNamesOf } from '../../deploy/observability/dashboard-queries';
import { signIn } from '../support/sign-in';
import { RunningSystem, startSystem } from '../support/system';

jest.setTimeout(300_000);

const DASHBOARDS = join(__dirname, '..', '..', 'deploy', 'observability', 'grafana', 'dashboards');
/** Debian's package (`apt-get install prometheus`; test/run-all.sh installs it when run as root). */
const PROMETHEUS = '/usr/bin/prometheus';

// The dashboards ask only for what the apps export: every metric named in a provisioned dashboard's query is in
// the /metrics of some process of the running system; and Prometheus (Debian's package) scrapes every app of it
// and accepts every query.
describe('the provisioned dashboards against the running system', () => {
  let system: RunningSystem;
  const exported = new Set<string>();

  beforeAll(async () => {
    system = await startSystem();
    // One order through the gateway, so that the saga's consumer groups have committed offsets (consumer lag).
    const { headers: signedIn } = await signIn(system.gatewayUrl, 'c-44');
    const token = (await (await fetch(`${system.gatewayUrl}/api/orders/tokens`, post({}, signedIn))).json()) as { token: string };
    await fetch(`${system.gatewayUrl}/api/orders`, post({ items: [{ sku: 'SKU-0005', quantity: 1 }] }, { ...signedIn, 'idempotency-key': token.token }));
    for (const p of system.processes) {
      const res = await fetch(p.healthUrl.replace(/\/health$/, '/metrics'), { signal: AbortSignal.timeout(10_000) });
      expect({ process: p.name, status: res.status }).toEqual({ process: p.name, status: 200 });
      for (const name of exportedMetricNames(await res.text())) exported.add(name);
    }
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('every Prometheus query of the dashboards names only metrics an app exports', () => {
    const queries = dashboardQueries(DASHBOARDS);
    expect(queries.length).toBeGreaterThanOrEqual(20);
    const missing = queries.flatMap((q) => metricNamesOf(q.expr).filter((m) => !exported.has(m)).map((m) => `${q.dashboard} / ${q.panel}: ${m}`));
    expect(missing).toEqual([]);
    // Each topic the dashboards promise has its panel.
    const named = new Set(queries.flatMap((q) => metricNamesOf(q.expr)));
    for (const metric of [
      'gateway_proxy_request_duration_seconds_count',
      'http_server_request_duration_seconds_bucket',
      'circuit_breaker_state',
      'gateway_rate_limit_decisions_total',
      'outbox_pending_rows',
      'outbox_oldest_pending_age_seconds',
      'kafka_consumer_lag_messages',
      'registry_raft_term',
      'registry_raft_commit_index',
      'registry_raft_leader_changes_total',
    ]) {
      expect({ metric, inDashboards: named.has(metric) }).toEqual({ metric, inDashboards: true });
    }
  });

  it("Prometheus scrapes every app of the running system and accepts every dashboard query", async () => {
    if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: apt-get install -y prometheus`);
    const dir = mkdtempSync(join(tmpdir(), 'shop-prometheus-'));
    const targets = system.processes.map((p) => new URL(p.healthUrl).host);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: [${targets.map((t) => `"${t}"`).join(', ')}]\n`,
    );
    const port = await freePort();
    const prometheus: ChildProcess = spawn(
      PROMETHEUS,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    const api = async (path: string) => (await (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) })).json()) as PromAnswer;
    try {
      const health = await eventually('every app scraped and up', async () => {
        const answer = await api('/api/v1/targets');
        const active = answer.data.activeTargets ?? [];
        return active.length === targets.length && active.every((t) => t.health === 'up') ? active : undefined;
      }, 60_000, 500);
      expect(health.map((t) => t.labels.instance).sort()).toEqual([...targets].sort());
      expect(await eventually('the Raft gauges of three nodes', async () => nonEmpty(await api(`/api/v1/query?query=${encodeURIComponent('count(registry_raft_term)')}`)), 60_000, 500)).toBe('3');
      for (const { dashboard, panel, expr } of dashboardQueries(DASHBOARDS)) {
        const answer = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`);
        expect({ dashboard, panel, expr, status: answer.status, error: answer.error }).toEqual({ dashboard, panel, expr, status: 'success', error: undefined });
      }
    } finally {
      await stopChild(prometheus);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface PromAnswer {
  status: string;
  error?: string;
  data: { activeTargets?: { health: string; labels: { instance: string } }[]; result?: { value: [number, string] }[] };
}

function nonEmpty(answer: PromAnswer): string | undefined {
  return answer.data.result?.[0]?.value[1];
}

function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) };
}
