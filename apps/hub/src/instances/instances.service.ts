import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { InstanceHeartbeat, RegisterInstanceRequest } from '@switchboard/contracts';
import { Keyring } from '@switchboard/crypto';
import { DomainException, ErrorCode } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { HubConfig } from '../config.js';
import { Instance } from './instance.entity.js';

export type InstanceStatus = 'up' | 'down';

@Injectable()
export class InstancesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: HubConfig,
    private readonly keyring: Keyring,
  ) {}

  /** Records an instance as it announced itself, with the versions of its keyring. */
  async register(request: RegisterInstanceRequest): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO instances (id, name, api_url, key_ids, last_seen_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, api_url = EXCLUDED.api_url, key_ids = EXCLUDED.key_ids,
         last_seen_at = now()`,
      [request.instanceId, request.name, request.apiUrl, JSON.stringify(request.keyIds)],
    );
  }

  /**
   * Whether an instance lacks the key the Hub encrypts with (the first of the
   * Hub's `ENCRYPTION_KEYS`): it could decrypt no secret the Hub seals from
   * now on. Null when the instance has not reported its keyring yet.
   */
  keyringMismatch(instance: Instance): boolean | null {
    return instance.keyIds === null ? null : !instance.keyIds.includes(this.keyring.currentVersion);
  }

  /** A heartbeat from an instance the Hub has not seen registers it. */
  async heartbeat(heartbeat: InstanceHeartbeat): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO instances (id, name, api_url, last_seen_at) VALUES ($1, $1, $2, now())
       ON CONFLICT (id) DO UPDATE SET api_url = EXCLUDED.api_url, last_seen_at = now()`,
      [heartbeat.instanceId, heartbeat.apiUrl],
    );
  }

  statusOf(instance: Instance, now = Date.now()): InstanceStatus {
    return now - instance.lastSeenAt.getTime() <= this.config.HUB_INSTANCE_DOWN_AFTER_MS ? 'up' : 'down';
  }

  /**
   * Where a new workspace goes: the instance asked for (which must exist), else
   * the one with the fewest workspaces among those up and accepting new ones.
   */
  async place(manager: EntityManager, requestedId?: string): Promise<Instance> {
    if (requestedId) {
      const instance = await manager.findOneBy(Instance, { id: requestedId });
      if (!instance)
        throw DomainException.validation(`instanceId: no instance ${requestedId} is registered.`, [
          { field: 'instanceId', message: 'is not a registered instance' },
        ]);
      return instance;
    }
    const rows: Instance[] = await manager
      .createQueryBuilder(Instance, 'i')
      .where('i.acceptsNewWorkspaces = true')
      .andWhere('i.lastSeenAt > :since', { since: new Date(Date.now() - this.config.HUB_INSTANCE_DOWN_AFTER_MS) })
      .orderBy('(SELECT count(*) FROM org_workspaces w WHERE w.instance_id = i.id)', 'ASC')
      .addOrderBy('i.id', 'ASC')
      .limit(1)
      .getMany();
    const chosen = rows[0];
    if (!chosen) {
      throw new DomainException(
        503,
        ErrorCode.NoInstanceAvailable,
        'No instance available',
        'No instance is up and accepting new workspaces. Start an instance or allow one to accept new workspaces.',
      );
    }
    return chosen;
  }
}
