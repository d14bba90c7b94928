import { Injectable } from '@nestjs/common';
import { ApiError } from '@shop/common';
import type { Principal } from '../access/access-rules';
import { CommandType, ServiceResult } from '../state-machine/commands';
import type { RegistrationDto } from './registration.dto';
import { RegistryApiService } from './registry-api.service';
import type { ReadOptions } from './request-params';

/** One instance of one service, as named in the path. */
export interface InstanceRef {
  readonly service: string;
  readonly instanceId: string;
}

/** The service registry (注册中心) as the client API answers it: registrations with a lease, and discovery. */
@Injectable()
export class CatalogService {
  constructor(private readonly api: RegistryApiService) {}

  /** Service name -> number of live instances. */
  async counts(read: ReadOptions): Promise<Record<string, number>> {
    const sm = this.api.node.stateMachine;
    await this.api.readPoint(read, { kind: 'services' }, () => sm.servicesChangeIndex());
    return sm.serviceCounts();
  }

  async instances(service: string, read: ReadOptions) {
    const sm = this.api.node.stateMachine;
    await this.api.readPoint(read, { kind: 'service', service }, () => sm.serviceChangeIndex(service));
    return sm.instances(service).map((i) => ({ id: i.id, address: i.address, port: i.port, meta: i.meta }));
  }

  async register(ref: InstanceRef, registration: RegistrationDto, caller: Principal) {
    const { address, port, meta, ttlMs } = registration;
    const outcome = await this.api.write({ type: CommandType.ServiceRegister, ...ref, address, port, meta, ttlMs }, caller);
    if (!(outcome.result as ServiceResult).ok) throw new ApiError(507, 'quota_exceeded', 'the registry holds its maximum number of instances');
    return { ok: true, modIndex: outcome.index, ttlMs };
  }

  /** 404 once the lease expired: the client then registers again. */
  async heartbeat(ref: InstanceRef, caller: Principal) {
    const outcome = await this.api.write({ type: CommandType.ServiceHeartbeat, ...ref }, caller);
    if (!(outcome.result as ServiceResult).ok) throw new ApiError(404, 'not_found', `${ref.service}/${ref.instanceId} is not registered (its lease expired?)`);
    return { ok: true };
  }

  async deregister(ref: InstanceRef, caller: Principal) {
    const outcome = await this.api.write({ type: CommandType.ServiceDeregister, ...ref }, caller);
    return { ok: true, existed: (outcome.result as ServiceResult).ok };
  }
}
