import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { OrgWorkspace } from './org-workspace.entity.js';

/** Postgres channel the routing outbox relay listens on; the payload is a `RoutingOutboxNotice`. */
export const ROUTING_OUTBOX_CHANNEL = 'switchboard_routing_outbox';

/**
 * What a NOTIFY on the routing outbox channel says: a new row (with its workspace and
 * version), or rows of an instance made due again. Informative only: the
 * relay drains whatever is due.
 */
export interface RoutingOutboxNotice {
  instanceId: string;
  workspaceId?: string;
  version?: number;
}

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
  async enqueue(manager: EntityManager, workspace: OrgWorkspace): Promise<void> {
    await manager.query(`INSERT INTO routing_outbox (workspace_id, instance_id, version) VALUES ($1, $2, $3)`, [
      workspace.id,
      workspace.instanceId,
      workspace.configVersion,
    ]);
    const notice: RoutingOutboxNotice = {
      instanceId: workspace.instanceId,
      workspaceId: workspace.id,
      version: workspace.configVersion,
    };
    await manager.query('SELECT pg_notify($1, $2)', [ROUTING_OUTBOX_CHANNEL, JSON.stringify(notice)]);
  }
}
