import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { Workspace } from './workspace.entity.js';

const TTL_MS = 5_000;
const LIMIT = 10_000;

/**
 * Workspaces by key, for token verification on every request. Invalidated
 * when this replica applies a snapshot; the short TTL bounds staleness on the
 * other replicas of the instance.
 */
@Injectable()
export class WorkspaceCache {
  private readonly entries = new Map<string, { workspace: Workspace | null; expiresAt: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async byKey(key: string): Promise<Workspace | null> {
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.workspace;
    const workspace = await this.dataSource.getRepository(Workspace).findOneBy({ key });
    if (this.entries.size >= LIMIT) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { workspace, expiresAt: now + TTL_MS });
    return workspace;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }
}
