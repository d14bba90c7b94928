import { Body, Controller, Get, Headers, HttpCode, Inject, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError, bearerTokenMatcher } from '@shop/common';
import { CONFIG_PARSERS, GatewayRuntime } from '../gateway.runtime';
import { AdminActor, authorizeAdmin } from '../identity/admin-access';

const KEY = /^config\/[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)+$/;
const MAX_VALUE_BYTES = 512 * 1024;

/**
 * Config center writes through the gateway, for the console: read and write `config/...` keys, guarded by an
 * operator's access token (or, for machines, `Authorization: Bearer $ADMIN_TOKEN`); every write is logged with
 * who made it. The gateway's own keys are checked by the same parsers the gateway
 * applies, so an invalid value is refused (400) before it reaches the registry.
 */
@Controller('gateway/admin/config')
export class AdminController {
  private readonly isAdmin: (authorization: string | undefined) => boolean;

  constructor(@Inject(GatewayRuntime) private readonly runtime: GatewayRuntime) {
    this.isAdmin = bearerTokenMatcher(runtime.config.adminToken);
  }

  @Get('*')
  async read(@Req() req: FastifyRequest, @Headers('authorization') authorization: string | undefined) {
    await this.authorize(authorization);
    const key = keyOf(req);
    const value = await this.runtime.discovery.readConfig(key);
    if (value === undefined) throw new ApiError(404, 'not_found', `no value for ${key}`);
    return { key, value };
  }

  @Put('*')
  @HttpCode(200)
  async write(@Req() req: FastifyRequest, @Headers('authorization') authorization: string | undefined, @Body() body: unknown) {
    const who = await this.authorize(authorization);
    const key = keyOf(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !('value' in body) || Object.keys(body).length !== 1) {
      throw new ApiError(400, 'bad_request', 'body must be {"value": <any JSON>}');
    }
    const value = (body as { value: unknown }).value;
    if (Buffer.byteLength(JSON.stringify(value)) > MAX_VALUE_BYTES) throw new ApiError(413, 'payload_too_large', 'value over 512 KiB');
    const parse = CONFIG_PARSERS[key];
    if (parse) {
      try {
        parse(value);
      } catch (error) {
        throw new ApiError(400, 'invalid_config', (error as Error).message);
      }
    }
    const version = await this.runtime.discovery.writeConfig(key, value);
    this.runtime.logger.event('log', 'admin action: config written through the admin API', { key, version, actor: who.actor, via: who.via });
    return { ok: true, key, modIndex: version };
  }

  private authorize(authorization: string | undefined): Promise<AdminActor> {
    return authorizeAdmin(this.runtime.auth, this.isAdmin, authorization);
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
