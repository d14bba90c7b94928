import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import type { Principal } from '../access/access-rules';
import { CallerPrincipal } from '../access/request-principal';
import { CatalogService } from './catalog.service';
import { LeaderWrite } from './leader-write';
import { RegistrationDto } from './registration.dto';
import { ReadOptions, ValidName } from './request-params';

/** The service registry (注册中心): registration with a lease, heartbeats, discovery with blocking queries. */
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  counts(@ReadOptions() read: ReadOptions): Promise<Record<string, number>> {
    return this.catalog.counts(read);
  }

  @Get(':service')
  instances(@Param('service', ValidName) service: string, @ReadOptions() read: ReadOptions) {
    return this.catalog.instances(service, read);
  }

  @Put(':service/:instanceId')
  @LeaderWrite()
  register(
    @Param('service', ValidName) service: string,
    @Param('instanceId', ValidName) instanceId: string,
    @Body() registration: RegistrationDto,
    @CallerPrincipal() caller: Principal,
  ) {
    return this.catalog.register({ service, instanceId }, registration, caller);
  }

  /** 404 once the lease expired: the client then registers again. */
  @Put(':service/:instanceId/heartbeat')
  @LeaderWrite()
  heartbeat(@Param('service', ValidName) service: string, @Param('instanceId', ValidName) instanceId: string, @CallerPrincipal() caller: Principal) {
    return this.catalog.heartbeat({ service, instanceId }, caller);
  }

  @Delete(':service/:instanceId')
  @LeaderWrite()
  deregister(@Param('service', ValidName) service: string, @Param('instanceId', ValidName) instanceId: string, @CallerPrincipal() caller: Principal) {
    return this.catalog.deregister({ service, instanceId }, caller);
  }
}
