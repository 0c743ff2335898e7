import { Controller } from '@nestjs/common';
import {
  listWorkspacePlacementsContract,
  ListWorkspacePlacementsReply,
  ListWorkspacePlacementsRequest,
  MAX_PLACEMENT_PAGE_SIZE,
} from '@switchboard/contracts';
import { HandlesContract } from '@switchboard/server';

import { PlacementsRepository } from './placements.repository.js';

/**
 * Answers the gateways' request for the placement table (API.md, "Gateway:
 * one URL for every instance"), a page at a time in workspace id order. Only
 * the Hub subscribes to the subject, and only the gateway's NATS user may
 * publish on it (deploy/nats/nats-server.conf): instances cannot read it.
 */
@Controller()
export class PlacementsHandler {
  constructor(private readonly placements: PlacementsRepository) {}

  @HandlesContract(listWorkspacePlacementsContract)
  async list(request: ListWorkspacePlacementsRequest): Promise<ListWorkspacePlacementsReply> {
    const limit = request.limit ?? MAX_PLACEMENT_PAGE_SIZE;
    const rows = await this.placements.page(request.after ?? null, limit + 1);
    const placements = rows.slice(0, limit);
    const last = placements.at(-1);
    return rows.length > limit && last ? { placements, next: last.workspaceId } : { placements };
  }
}
