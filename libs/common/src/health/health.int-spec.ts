import { Controller, Get, Module, OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { CommonModule } from '../common.module';
import { HealthRegistry } from './health-registry';

@Controller('ping')
class PingController {
  @Get()
  ping() {
    return { pong: true };
  }
}

let databaseUp = true;

@Module({ imports: [CommonModule.forRoot()], controllers: [PingController] })
class AppModule implements OnModuleInit {
  constructor(private readonly health: HealthRegistry) {}
  onModuleInit(): void {
    // A probe whose details use a key terminus reserves must not break /health.
    this.health.register('registry', async () => ({ status: 'serving a stale view', nodes: 3 }));
    this.health.register('database', async () => {
      if (!databaseUp) throw new Error('connection refused');
    });
  }
}

describe('GET /health and /metrics (the shared defaults of every app)', () => {
  let app: NestFastifyApplication;
  let base: string;
  const get = (path: string) => fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it('is 200 with every registered dependency up, details kept', async () => {
    databaseUp = true;
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect((await res.json()).details.registry).toMatchObject({ status: 'up', detail_status: 'serving a stale view', nodes: 3 });
  });

  it('is 503 naming the dependency that is down', async () => {
    databaseUp = false;
    const res = await get('/health');
    expect(res.status).toBe(503);
    expect((await res.json()).error.database.status).toBe('down');
  });

  it('serves Prometheus text at /metrics', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await res.text()).toMatch(/# TYPE http_server_request_duration_seconds histogram/);
  });

  it('answers unknown routes in the contract error shape', async () => {
    const res = await get('/nope');
    expect(res.status).toBe(404);
    expect((await res.json())).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});
