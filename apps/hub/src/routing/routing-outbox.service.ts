import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { OrgWorkspace } from './org-workspace.entity.js';
import { RoutingRepository } from './routing.repository.js';

/**
 * The Hub's routing outbox (table `routing_outbox`, drained by
 * `RoutingOutboxRelay`; not the instance's event outbox). Records that a
 * workspace's configuration changed. Call it inside the
 * transaction that changed the workspace (and bumped its `configVersion`):
 * the row and the change commit together or not at all, and the NOTIFY is
 * delivered only on commit.
 */
@Injectable()
export class RoutingOutboxService {
  constructor(private readonly routing: RoutingRepository) {}

  async enqueue(
    manager: EntityManager,
    workspace: Pick<OrgWorkspace, 'id' | 'instanceId' | 'configVersion'>,
  ): Promise<void> {
    await this.routing.insert(manager, workspace.id, workspace.instanceId, workspace.configVersion);
    await this.routing.notify(manager, {
      instanceId: workspace.instanceId,
      workspaceId: workspace.id,
      version: workspace.configVersion,
    });
  }
}
