import { Controller, Delete, Get, Param, Put, Req, Res } from '@nestjs/common';
import { ApiError } from '@shop/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CommandType, ServiceResult } from '../state-machine/commands';
import { flag, indexParam, validateName, waitParam } from './http-rules';
import { isForwarded, RegistryApiService } from './registry-api.service';

type Query = Record<string, unknown>;

export const DEFAULT_TTL_MS = 10_000;
const MIN_TTL_MS = 1000;
const MAX_TTL_MS = 10 * 60_000;
const MAX_META_ENTRIES = 32;
const MAX_META_CHARS = 256;

interface Registration {
  address: string;
  port: number;
  meta: Record<string, string>;
  ttlMs: number;
}

function registrationFromBody(body: unknown): Registration {
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : null) as Record<string, unknown> | null;
  if (!b) throw new ApiError(400, 'invalid_body', 'the body must be {"address","port","meta","ttlMs"}');
  const extra = Object.keys(b).filter((k) => !['address', 'port', 'meta', 'ttlMs'].includes(k));
  if (extra.length > 0) throw new ApiError(400, 'invalid_body', `unknown fields: ${extra.join(', ')}`);
  const { address, port, meta = {}, ttlMs = DEFAULT_TTL_MS } = b;
  if (typeof address !== 'string' || address.length === 0 || address.length > 255) throw new ApiError(400, 'invalid_body', 'address must be a host name or IP');
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw new ApiError(400, 'invalid_body', 'port must be 1..65535');
  if (!Number.isInteger(ttlMs) || (ttlMs as number) < MIN_TTL_MS || (ttlMs as number) > MAX_TTL_MS) {
    throw new ApiError(400, 'invalid_body', `ttlMs must be ${MIN_TTL_MS}..${MAX_TTL_MS}`);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new ApiError(400, 'invalid_body', 'meta must be an object of strings');
  const entries = Object.entries(meta);
  if (entries.length > MAX_META_ENTRIES || entries.some(([k, v]) => typeof v !== 'string' || k.length > MAX_META_CHARS || v.length > MAX_META_CHARS)) {
    throw new ApiError(400, 'invalid_body', `meta holds at most ${MAX_META_ENTRIES} string entries of ${MAX_META_CHARS} characters`);
  }
  return { address, port: port as number, meta: meta as Record<string, string>, ttlMs: ttlMs as number };
}

/** The service registry (注册中心): registration with a lease, heartbeats, discovery with blocking queries. */
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly api: RegistryApiService) {}

  @Get()
  async counts(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, number>> {
    const query = request.query as Query;
    const sm = this.api.node.stateMachine;
    await this.api.readPoint({
      stale: flag(query, 'stale'),
      index: indexParam(query, 'index'),
      waitMs: waitParam(query),
      topic: { kind: 'services' },
      changeIndex: () => sm.servicesChangeIndex(),
      reply,
      client: request.ip,
    });
    return sm.serviceCounts();
  }

  @Get(':service')
  async instances(@Param('service') service: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    validateName('service', service);
    const query = request.query as Query;
    const sm = this.api.node.stateMachine;
    await this.api.readPoint({
      stale: flag(query, 'stale'),
      index: indexParam(query, 'index'),
      waitMs: waitParam(query),
      topic: { kind: 'service', service },
      changeIndex: () => sm.serviceChangeIndex(service),
      reply,
      client: request.ip,
    });
    return sm.instances(service).map((i) => ({ id: i.id, address: i.address, port: i.port, meta: i.meta }));
  }

  @Put(':service/:instanceId')
  async register(
    @Param('service') service: string,
    @Param('instanceId') instanceId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    validateName('service', service);
    validateName('instanceId', instanceId);
    const registration = registrationFromBody(request.body);
    const outcome = await this.api.write('register', { type: CommandType.ServiceRegister, service, instanceId, ...registration }, request, reply);
    if (isForwarded(outcome)) return outcome.body;
    const result = outcome.result as ServiceResult;
    if (!result.ok) throw new ApiError(507, 'quota_exceeded', 'the registry holds its maximum number of instances');
    return { ok: true, modIndex: outcome.index, ttlMs: registration.ttlMs };
  }

  /** 404 once the lease expired: the client then registers again. */
  @Put(':service/:instanceId/heartbeat')
  async heartbeat(
    @Param('service') service: string,
    @Param('instanceId') instanceId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    validateName('service', service);
    validateName('instanceId', instanceId);
    const outcome = await this.api.write('heartbeat', { type: CommandType.ServiceHeartbeat, service, instanceId }, request, reply);
    if (isForwarded(outcome)) return outcome.body;
    if (!(outcome.result as ServiceResult).ok) throw new ApiError(404, 'not_found', `${service}/${instanceId} is not registered (its lease expired?)`);
    return { ok: true };
  }

  @Delete(':service/:instanceId')
  async deregister(
    @Param('service') service: string,
    @Param('instanceId') instanceId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    validateName('service', service);
    validateName('instanceId', instanceId);
    const outcome = await this.api.write('deregister', { type: CommandType.ServiceDeregister, service, instanceId }, request, reply);
    if (isForwarded(outcome)) return outcome.body;
    return { ok: true, existed: (outcome.result as ServiceResult).ok };
  }
}
