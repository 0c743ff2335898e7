import { Injectable, Logger } from '@nestjs/common';
import { MAX_WORKSPACE_TOKEN_LENGTH } from '@switchboard/contracts';
import { BoundedCache, type CorsPolicy, describeError } from '@switchboard/server';
import type { FastifyRequest } from 'fastify';

import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import { allowedOriginsOf } from './allowed-origins.js';

/** How long the union of every workspace's origins is reused; as long as WorkspaceCache keeps a workspace. */
const UNION_TTL_MS = 5_000;
const BEARER = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/i;

/**
 * CORS on an instance: each workspace lists the browser origins that may call
 * it in `settings.allowedOrigins` (API.md, "Workspace settings the instance
 * honours"). The workspace is known only from the token, which a preflight
 * never carries (Fetch standard, CORS-preflight request: no credentials), so:
 *
 * - a request with a bearer token is answered with the origins of the
 *   workspace the token names (`iss` or `workspaceKey`, read *without*
 *   verifying the signature: the header only lets that workspace's own pages
 *   read the answer, which for a forged token is the 401 the guard gives);
 * - a request without one — a preflight, or a public route — with the union
 *   of the origins of every live workspace on this instance, so a page of
 *   any of them may send its request, and no other origin learns anything.
 *
 * An archived workspace allows no origin. A database error allows none (and
 * is logged): the request itself then fails with its own error.
 */
@Injectable()
export class WorkspaceCorsPolicy implements CorsPolicy {
  private readonly log = new Logger(WorkspaceCorsPolicy.name);
  private readonly union = new BoundedCache<'union', '*' | ReadonlySet<string>>({ max: 1, ttlMs: UNION_TTL_MS });

  constructor(
    private readonly workspaces: WorkspaceCache,
    private readonly repository: WorkspacesRepository,
  ) {}

  async allowedOrigins(request: FastifyRequest): Promise<'*' | ReadonlySet<string>> {
    try {
      const workspaceKey = unverifiedWorkspaceKey(request.headers.authorization);
      if (workspaceKey === undefined) return await this.everyWorkspace();
      const workspace = await this.workspaces.byKey(workspaceKey);
      if (!workspace || workspace.archivedAt) return new Set();
      return allowedOriginsOf(workspace.settings);
    } catch (error) {
      this.log.warn(`CORS origins could not be read, none allowed: ${describeError(error)}`);
      return new Set();
    }
  }

  private async everyWorkspace(): Promise<'*' | ReadonlySet<string>> {
    const cached = this.union.get('union');
    if (cached !== undefined) return cached;
    const origins = await this.repository.listLiveAllowedOrigins();
    const union = allowedOriginsOf({ allowedOrigins: origins });
    this.union.set('union', union);
    return union;
  }
}

/**
 * The workspace key a bearer token names (`iss`, else `workspaceKey`), from
 * its payload as written — not verified — or `undefined` when there is no
 * readable token.
 */
export function unverifiedWorkspaceKey(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length > MAX_WORKSPACE_TOKEN_LENGTH + 10) return undefined;
  const payload = BEARER.exec(authorization)?.[2];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { iss, workspaceKey } = claims as { iss?: unknown; workspaceKey?: unknown };
    const key = iss ?? workspaceKey;
    return typeof key === 'string' && key !== '' ? key : undefined;
  } catch {
    return undefined;
  }
}
