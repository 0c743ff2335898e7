import { Injectable } from '@nestjs/common';
import type { InstanceHeartbeat, RegisterInstanceRequest } from '@switchboard/contracts';
import { Keyring } from '@switchboard/crypto';
import { DomainException, ErrorCode } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { HubConfig } from '../config.js';
import type { Instance } from './instance.entity.js';
import { InstancesRepository } from './instances.repository.js';

export type InstanceStatus = 'up' | 'down';

@Injectable()
export class InstancesService {
  constructor(
    private readonly repository: InstancesRepository,
    private readonly config: HubConfig,
    private readonly keyring: Keyring,
  ) {}

  /** Records an instance as it announced itself, with the versions of its keyring. */
  async register(request: RegisterInstanceRequest): Promise<void> {
    await this.repository.upsertRegistered(request.instanceId, request.name, request.apiUrl, request.keyIds);
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
    await this.repository.upsertHeartbeat(heartbeat.instanceId, heartbeat.apiUrl);
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
      const instance = await this.repository.findById(requestedId, manager);
      if (!instance)
        throw DomainException.validation(`instanceId: no instance ${requestedId} is registered.`, [
          { field: 'instanceId', message: 'is not a registered instance' },
        ]);
      return instance;
    }
    const chosen = await this.repository.leastLoaded(
      manager,
      new Date(Date.now() - this.config.HUB_INSTANCE_DOWN_AFTER_MS),
    );
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
