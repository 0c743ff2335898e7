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

  /** Records an instance as it announced itself, with the versions of its keyring and its schema level (absent: unknown). */
  async register(request: RegisterInstanceRequest): Promise<void> {
    await this.repository.upsertRegistered(
      request.instanceId,
      request.name,
      request.apiUrl,
      request.keyIds,
      request.schemaLevel ?? null,
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

  /** A heartbeat from an instance the Hub has not seen registers it; one without a schema level keeps the recorded one. */
  async heartbeat(heartbeat: InstanceHeartbeat): Promise<void> {
    await this.repository.upsertHeartbeat(heartbeat.instanceId, heartbeat.apiUrl, heartbeat.schemaLevel ?? null);
  }

  statusOf(instance: Instance, now = Date.now()): InstanceStatus {
    return now - instance.lastSeenAt.getTime() <= this.config.HUB_INSTANCE_DOWN_AFTER_MS ? 'up' : 'down';
  }

  /**
   * Where a new workspace goes (API.md, "Moving a workspace to another
   * instance": Placement):
   * - `instanceId`: that instance, which must be registered; one with
   *   `acceptsNewWorkspaces: false` only for a platform admin;
   * - else, among the instances that are up (a heartbeat within
   *   HUB_INSTANCE_DOWN_AFTER_MS) and accept new workspaces, and whose `labels`
   *   include every one of `labels` with the same value (none given: all of
   *   them), the one with the fewest workspaces (ties: the lowest id).
   * Automatic placement never picks an instance that does not accept new
   * workspaces, whoever asks.
   * @throws DomainException 400 validation_failed for an unknown `instanceId`; 403 forbidden for a
   *   non-accepting instance named by a non-admin; 409 no_instance_available naming the labels when no
   *   instance matches them; 503 no_instance_available when no instance is up and accepting at all.
   */
  async place(
    manager: EntityManager,
    request: { instanceId?: string; labels?: Record<string, string>; platformAdmin: boolean },
  ): Promise<Instance> {
    if (request.instanceId) {
      const instance = await this.repository.findById(request.instanceId, manager);
      if (!instance)
        throw DomainException.validation(`instanceId: no instance ${request.instanceId} is registered.`, [
          { field: 'instanceId', message: 'is not a registered instance' },
        ]);
      if (!instance.acceptsNewWorkspaces && !request.platformAdmin) {
        throw DomainException.forbidden(
          `Instance ${instance.id} does not accept new workspaces; only a platform admin may place one there.`,
        );
      }
      return instance;
    }
    const labels = request.labels ?? {};
    const chosen = await this.repository.leastLoaded(
      manager,
      new Date(Date.now() - this.config.HUB_INSTANCE_DOWN_AFTER_MS),
      labels,
    );
    if (chosen) return chosen;
    if (Object.keys(labels).length > 0) {
      const named = Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ');
      throw new DomainException(
        409,
        ErrorCode.NoInstanceAvailable,
        'No instance matches the placement',
        `No instance that is up and accepts new workspaces has the labels ${named}.`,
      );
    }
    throw new DomainException(
      503,
      ErrorCode.NoInstanceAvailable,
      'No instance available',
      'No instance is up and accepting new workspaces. Start an instance or allow one to accept new workspaces.',
    );
  }
}
