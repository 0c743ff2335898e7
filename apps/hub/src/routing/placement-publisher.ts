import { Injectable, Logger } from '@nestjs/common';
import { workspacePlacementChangedContract } from '@switchboard/contracts';
import { describeError, NatsClient } from '@switchboard/server';

import { PlacementsRepository } from './placements.repository.js';

/**
 * Tells the gateways where workspaces are now
 * (`workspacePlacementChangedContract`): called after the commit of a change
 * to a workspace's existence or placement (created, archived, restored,
 * another instance — a move — or any configuration change, which bumps the
 * version). It reads the committed row, so what it publishes is never ahead of
 * the database, and a late message carries an older `version` the gateway
 * ignores. Fire and forget: a failure is logged; the gateways' periodic
 * resync makes up for a message that never arrives.
 */
@Injectable()
export class PlacementPublisher {
  private readonly logger = new Logger(PlacementPublisher.name);

  constructor(
    private readonly placements: PlacementsRepository,
    private readonly nats: NatsClient,
  ) {}

  /** Publishes the current placement of each workspace, in the background; returns at once. */
  publish(...workspaceIds: string[]): void {
    void this.publishNow(workspaceIds);
  }

  /** As `publish`, resolving when the messages are handed to NATS (tests, and callers that want to wait). Never rejects. */
  async publishNow(workspaceIds: string[]): Promise<void> {
    try {
      for (const placement of await this.placements.ofWorkspaces(workspaceIds)) {
        await this.nats.emit(workspacePlacementChangedContract, placement);
      }
    } catch (error) {
      this.logger.warn(
        `could not publish the placement of ${workspaceIds.join(', ')} (gateways learn it at their next resync): ${describeError(error)}`,
      );
    }
  }
}
