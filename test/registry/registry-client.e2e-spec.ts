import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { CommonModule } from '@shop/common';
import { RegistryClient, RegistryClientModule, ServiceInstance } from '@shop/registry-client';
import { eventually } from '@shop/testing';
import { call, RegistryCluster, TOKEN } from './registry-cluster';

jest.setTimeout(180_000);

interface Limits {
  perSecond: number;
}
const parseLimits = (raw: unknown): Limits => {
  const perSecond = (raw as Limits | undefined)?.perSecond;
  if (!Number.isInteger(perSecond) || (perSecond as number) <= 0) throw new Error('perSecond must be a positive integer');
  return { perSecond: perSecond as number };
};

describe('registry client against three real nodes', () => {
  let cluster: RegistryCluster;
  let client: RegistryClient;
  let peer: RegistryClient;
  const run = `${process.pid}-${Date.now()}`;
  const service = `client-e2e-${run}`;
  const configKey = `config/client-e2e-${run}/limits`;

  beforeAll(async () => {
    cluster = await RegistryCluster.start();
  });
  afterAll(async () => {
    await client?.close();
    await peer?.close();
    await cluster?.stop();
  });

  it('RegistryClientModule registers a Nest app once it listens, reports in /health, and deregisters on shutdown', async () => {
    const nestService = `nest-e2e-${run}`;
    @Module({
      imports: [
        CommonModule.forRoot(),
        RegistryClientModule.forRoot({
          urls: cluster.urls,
          token: TOKEN,
          registration: { service: nestService, instanceId: 'app-1', address: '127.0.0.1', port: 1, meta: { version: 'e2e' } },
        }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    const appUrl = await app.getUrl();
    try {
      const listed = await eventually('the app is registered', async () => {
        const res = await call(cluster.urls[0]!, 'GET', `/v1/services/${nestService}`);
        return res.body.length === 1 ? res.body : undefined;
      });
      expect(listed).toEqual([{ id: 'app-1', address: '127.0.0.1', port: 1, meta: { version: 'e2e' } }]);
      const health = await (await fetch(`${appUrl}/health`)).json();
      expect(health.info.registry).toMatchObject({ status: 'up', state: 'ok', registered: `${nestService}/app-1` });
    } finally {
      await app.close();
    }
    expect((await call(cluster.urls[1]!, 'GET', `/v1/services/${nestService}`)).body).toEqual([]);

    // Without any reachable registry node the app stays up, and its health says it runs on a stale view.
    @Module({ imports: [CommonModule.forRoot(), RegistryClientModule.forRoot({ urls: ['http://127.0.0.1:1'], token: TOKEN, requestTimeoutMs: 500, watchServices: ['x'] })] })
    class BlindModule {}
    const blind = await NestFactory.create<NestFastifyApplication>(BlindModule, new FastifyAdapter(), { logger: false });
    await blind.listen(0, '127.0.0.1');
    try {
      const blindUrl = await blind.getUrl();
      const res = await eventually('the blind app reports a degraded registry', async () => {
        const r = await fetch(`${blindUrl}/health`);
        const body = await r.json();
        return body.info?.registry?.state === 'degraded' ? { status: r.status, body } : undefined;
      });
      expect(res.status).toBe(200);
      expect(res.body.info.registry).toMatchObject({ status: 'up', servingLastKnownView: true });
    } finally {
      await blind.close();
    }
  });

  it('registers, discovers from its cache, takes config pushes, fails over when its node dies, and keeps its last view while every node is down', async () => {
    client = new RegistryClient({ urls: cluster.urls, token: TOKEN, requestTimeoutMs: 2000, watchWaitMs: 5000 });
    peer = new RegistryClient({ urls: [...cluster.urls].reverse(), token: TOKEN, requestTimeoutMs: 2000 });

    // Registration and discovery through the cache.
    await client.register({ service, instanceId: 'a', address: '127.0.0.1', port: 4001, meta: { zone: 'z1' }, ttlMs: 6000 });
    const changes: (readonly ServiceInstance[])[] = [];
    client.onInstancesChange(service, (list) => changes.push(list));
    await eventually('the cache holds the registered instance', async () => (client.instances(service).length === 1 ? true : undefined));
    expect(client.instances(service)).toEqual([{ id: 'a', address: '127.0.0.1', port: 4001, meta: { zone: 'z1' } }]);

    // Typed config: defaults, then a pushed value; an invalid value is ignored and the previous one kept.
    const limits = client.watchConfig(configKey, parseLimits, { perSecond: 10 });
    expect(limits.get()).toEqual({ perSecond: 10 });
    await peer.kv.put(configKey, { perSecond: 50 });
    await eventually('the config push arrives', async () => (limits.get().perSecond === 50 ? true : undefined));
    const invalidAt = await peer.kv.put(configKey, { perSecond: -3 });
    const configs = () => client.health().detail.configs as Record<string, number>;
    await eventually('the client saw the invalid version', async () => (configs()[configKey] === invalidAt ? true : undefined));
    expect(limits.get()).toEqual({ perSecond: 50 });

    // Fail over: kill -9 the node the client talks to; it must keep registering, discovering and writing.
    const preferred = String(client.health().detail.node);
    const victim = cluster.nodes.find((n) => n.url === preferred)!;
    await cluster.kill(victim.id);
    await cluster.waitForLeader();
    await peer.register({ service, instanceId: 'b', address: '127.0.0.1', port: 4002, ttlMs: 3000 });
    await eventually('the cache sees the new instance after the failover', async () => (client.instances(service).length === 2 ? true : undefined));
    expect(await client.kv.put(`client-e2e-${run}/after-failover`, 'ok')).toBeGreaterThan(0);
    expect(client.health().healthy).toBe(true);
    expect(client.health().detail.node).not.toBe(preferred);
    // The heartbeat loop kept the lease alive through the failover: it is still there after more than its TTL.
    await new Promise((r) => setTimeout(r, 7000));
    expect((await call(cluster.nodes.find((n) => n.proc)!.url, 'GET', `/v1/services/${service}`)).body.map((i: { id: string }) => i.id)).toContain('a');

    // Every node down: the last known view is served, and health says so.
    const before = client.instances(service);
    for (const node of cluster.nodes) await cluster.kill(node.id);
    await eventually('health reports the outage', async () => (client.health().healthy === false ? true : undefined));
    expect(client.health().detail.servingLastKnownView).toBe(true);
    expect(client.instances(service)).toEqual(before);
    expect(limits.get()).toEqual({ perSecond: 50 });
    expect(changes.at(-1)).toEqual(before);
  });
});
