import { Injectable } from '@nestjs/common';
import type { Columns } from '@switchboard/persistence';

import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type { Tenant } from './tenant.entity.js';

/**
 * The caller's own tenant row when authentication already read it in this
 * request (an API key is read with its tenant in one statement), so that
 * GET /self does not read it a second time. Keyed by the request's principal
 * object and held weakly: it lives exactly as long as the request. As fresh
 * as a read in the handler would be — it was read in this request.
 */
@Injectable()
export class TenantPreloads {
  private readonly rows = new WeakMap<WorkspacePrincipal, Columns<Tenant>>();

  set(principal: WorkspacePrincipal, row: Columns<Tenant>): void {
    this.rows.set(principal, row);
  }

  /** The row of tenant `id` if this request's authentication read it, else undefined. */
  get(principal: WorkspacePrincipal, id: string): Columns<Tenant> | undefined {
    const row = this.rows.get(principal);
    return row?.id === id ? row : undefined;
  }
}
