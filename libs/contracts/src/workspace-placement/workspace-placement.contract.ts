import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';

/**
 * Where one workspace is served (API.md, "Gateway: one URL for every
 * instance"): the instance that holds it and that instance's API URL. The
 * gateway routes a request by the token's workspace key to `apiUrl`.
 * `version` is the workspace's `configVersion` on the Hub, which every change
 * (a move included) bumps: a receiver keeps, per workspace, the placement with
 * the highest version, so a late or repeated message never undoes a newer one.
 */
export class WorkspacePlacement {
  @IsUUID() workspaceId!: string;
  /** The workspace key: a workspace JWT's `iss` (and `workspaceKey`), an API key's `sbk_<key>_…` prefix. */
  @IsString() @Length(1, 200) workspaceKey!: string;
  @IsString() @Length(1, 100) instanceId!: string;
  /** The instance's base URL, e.g. `http://instance-a:8081`. */
  @IsString() @Length(1, 2000) apiUrl!: string;
  @IsInt() @Min(1) version!: number;
  /** An archived workspace still routes (its instance answers 401/403 for it); the gateway does not decide that. */
  @IsBoolean() archived!: boolean;
}

/** The largest page of placements a reply holds: ~250 bytes each keeps a page well under NATS's 1 MB limit. */
export const MAX_PLACEMENT_PAGE_SIZE = 1000;

/**
 * The gateway asks the Hub for the whole placement table, a page at a time,
 * in workspace id order, at start and periodically (its resync).
 */
export class ListWorkspacePlacementsRequest {
  /** The last workspace id of the previous page; absent for the first page. */
  @IsOptional() @IsUUID() after?: string;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_PLACEMENT_PAGE_SIZE) limit?: number;
}

/** One page of placements; `next` (the last id) says there is more: ask again with `after: next`. */
export class ListWorkspacePlacementsReply {
  @IsArray() @ValidateNested({ each: true }) @Type(() => WorkspacePlacement) placements!: WorkspacePlacement[];
  @IsOptional() @IsUUID() next?: string;
}

export const listWorkspacePlacementsContract: Contract<ListWorkspacePlacementsRequest, ListWorkspacePlacementsReply> = {
  subject: subjectTemplate('hub.placements.list'),
  request: ListWorkspacePlacementsRequest,
  reply: ListWorkspacePlacementsReply,
};

/**
 * Published by the Hub after the commit of every change to a workspace's
 * placement or existence: created, archived, restored, its instance changed (a
 * move) or its instance's `apiUrl` changed (one message per workspace). Fire
 * and forget, heard by every gateway replica; a message a gateway misses is
 * made good by its periodic resync (`listWorkspacePlacementsContract`).
 */
export const workspacePlacementChangedContract: Contract<WorkspacePlacement, void> = {
  subject: subjectTemplate('gateway.placements.changed'),
  request: WorkspacePlacement,
  reply: undefined,
};

/** The reply inbox prefix of the gateway (all its replicas). See `HUB_INBOX_PREFIX`. */
export const GATEWAY_INBOX_PREFIX = '_INBOX.gateway';
