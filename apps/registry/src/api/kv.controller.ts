import { ArgumentsHost, Catch, Controller, Delete, ExceptionFilter, Get, Header, Put, UseFilters } from '@nestjs/common';
import { BodyBounds } from '@shop/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../access/access-rules';
import { CallerPrincipal } from '../access/request-principal';
import { KV_WRITE_BODY_BOUNDS } from './http-rules';
import { CasConflict, KvService } from './kv.service';
import { LeaderWrite } from './leader-write';
import { KvChange, KvKey, KvRead, QueryIndex } from './request-params';

/** The contract's CAS answer `{"ok":false,"modIndex":current}`, in the error shape as well. */
@Catch(CasConflict)
class CasConflictFilter implements ExceptionFilter {
  catch(conflict: CasConflict, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(409)
      .type('application/json')
      .send({ ok: false, modIndex: conflict.modIndex, error: { code: 'cas_conflict', message: conflict.message } });
  }
}

/** The config center's key-value API (配置中心): `/v1/kv/<key>`, keys may contain slashes. */
@Controller('v1/kv')
@UseFilters(CasConflictFilter)
export class KvController {
  constructor(private readonly kv: KvService) {}

  /** `?recurse` lists a prefix (the empty one too), `?history` a key's versions; `?stale`, `?index&wait` as every read. */
  @Get('*')
  @Header('content-type', 'application/json')
  get(@KvRead() read: KvRead): Promise<string> {
    return this.kv.read(read);
  }

  /** `?cas=M` writes only if the modIndex is M (0: absent); `?rollback=M` writes the value the key had at M. */
  @Put('*')
  @BodyBounds(KV_WRITE_BODY_BOUNDS)
  @LeaderWrite()
  put(@KvKey() key: string, @QueryIndex('cas') cas: number | undefined, @KvChange() change: KvChange, @CallerPrincipal() caller: Principal) {
    return this.kv.write(key, change, cas, caller);
  }

  @Delete('*')
  @LeaderWrite()
  delete(@KvKey() key: string, @QueryIndex('cas') cas: number | undefined, @CallerPrincipal() caller: Principal) {
    return this.kv.delete(key, cas, caller);
  }
}
