import { Body, Controller, Get, HttpCode, Inject, Put, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError, createLogger } from '@shop/common';
import { RegistryClient } from '@shop/registry-client';
import { CONFIG_PARSERS, OperatorRegistry } from '../infrastructure/config-center';
import { Admin, AdminGuard } from './admin.guard';
import type { AdminActor } from './admin.guard';
import { ConfigValueDto } from './admin.dto';

const KEY = /^config\/[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)+$/;
const MAX_VALUE_BYTES = 512 * 1024;

/**
 * The config center for operators (`/gateway/admin/config/<key>` at the gateway, which forwards it here): read
 * and write `config/...` keys; every write is logged with who made it. The gateway's own keys must pass the
 * parsers the gateway applies them with (400 otherwise).
 */
@Controller('console/admin/config')
@UseGuards(AdminGuard)
export class AdminConfigController {
  private readonly logger = createLogger('admin');

  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(OperatorRegistry) private readonly operator: OperatorRegistry,
  ) {}

  @Get('*')
  async read(@Req() req: FastifyRequest) {
    const key = keyOf(req);
    const value = await this.registry.kv.get(key);
    if (value === undefined) throw new ApiError(404, 'not_found', `no value for ${key}`);
    return { key, value };
  }

  @Put('*')
  @HttpCode(200)
  async write(@Req() req: FastifyRequest, @Body() body: ConfigValueDto, @Admin() who: AdminActor) {
    const key = keyOf(req);
    if (Buffer.byteLength(JSON.stringify(body.value)) > MAX_VALUE_BYTES) throw new ApiError(413, 'payload_too_large', 'value over 512 KiB');
    const parse = CONFIG_PARSERS[key];
    if (parse) {
      try {
        parse(body.value);
      } catch (error) {
        throw new ApiError(400, 'invalid_config', (error as Error).message);
      }
    }
    const version = await this.operator.client.kv.put(key, body.value);
    this.logger.event('log', 'admin action: config written through the admin API', { key, version, actor: who.actor, via: who.via });
    return { ok: true, key, modIndex: version };
  }
}

function keyOf(req: FastifyRequest): string {
  const rest = (req.params as Record<string, string | undefined>)['*'] ?? '';
  let key: string;
  try {
    key = decodeURIComponent(rest);
  } catch {
    throw new ApiError(400, 'bad_request', 'malformed key');
  }
  if (key.length > 512 || !KEY.test(key)) throw new ApiError(400, 'bad_request', 'key must look like config/<app>/<name>');
  return key;
}
