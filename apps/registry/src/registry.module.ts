import { BeforeApplicationShutdown, Injectable, Module, OnModuleInit, Type } from '@nestjs/common';
import { CommonModule, HealthRegistry } from '@shop/common';
import { CatalogService } from './api/catalog.service';
import { ClusterController } from './api/cluster.controller';
import { KvController } from './api/kv.controller';
import { KvService } from './api/kv.service';
import { RegistryApiService } from './api/registry-api.service';
import { ServicesController } from './api/services.controller';
import { registerRaftMetrics } from './raft/registry-metrics';
import { RegistryNode } from './raft/registry-node';

/** Health says whether this node can serve: it knows a leader (reads and forwarded writes work). */
@Injectable()
class RegistryLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    private readonly node: RegistryNode,
    private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    registerRaftMetrics(this.node);
    this.health.register('raft', async () => {
      const s = this.node.status();
      const detail = { id: s.id, role: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex };
      if (!s.leader) throw Object.assign(new Error('no leader known'), detail);
      return detail;
    });
  }

  /**
   * Before the HTTP server closes, whose close waits for every open request: blocking queries answer now, and
   * Raft stops, which ends the peers' message streams into this node (they last as long as their sender).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.node.watches.releaseAll();
    await this.node.stop();
  }
}

/**
 * The registry app around one RegistryNode. The node is built in main.ts before Nest, because the peer
 * transport and the token check are mounted on the Fastify instance before Nest registers its routes.
 */
export function registryModule(node: RegistryNode): Type<unknown> {
  @Module({
    imports: [CommonModule.forRoot()],
    controllers: [KvController, ServicesController, ClusterController],
    providers: [{ provide: RegistryNode, useValue: node }, RegistryApiService, KvService, CatalogService, RegistryLifecycle],
  })
  class RegistryModule {}
  return RegistryModule;
}
