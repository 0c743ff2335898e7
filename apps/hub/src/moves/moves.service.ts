import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Columns } from '@switchboard/persistence';
import { DomainException, ErrorCode } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { ORG_MANAGERS } from '../auth/org-role.js';
import type { User } from '../auth/user.entity.js';
import { HubConfig } from '../config.js';
import type { Instance } from '../instances/instance.entity.js';
import { InstancesRepository } from '../instances/instances.repository.js';
import { schemaMismatch } from '../instances/schema-level.js';
import { OrgWorkspacesRepository } from '../org-workspaces/org-workspaces.repository.js';
import { AuditLogService } from '../orgs/audit-log.service.js';
import { MoveWorker } from './move-worker.js';
import type { WorkspaceMoveDto } from './moves.dto.js';
import { MovesRepository } from './moves.repository.js';
import { RUNNING_MOVE_STATES, type WorkspaceMove } from './workspace-move.entity.js';

/**
 * Starting, reading and aborting moves of workspaces to other instances, and
 * draining an instance (API.md, "Moving a workspace to another instance").
 * The MoveWorker does the moving.
 *
 * Who may move: a platform admin, to any registered instance; an org owner,
 * only to an instance with `acceptsNewWorkspaces`. An archived workspace may
 * be moved (its rows are data like any other; its instance refuses its tokens
 * on both sides, and a restore after the move reaches the target).
 */
@Injectable()
export class MovesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: MovesRepository,
    private readonly workspaces: OrgWorkspacesRepository,
    private readonly instances: InstancesRepository,
    private readonly config: HubConfig,
    private readonly audit: AuditLogService,
    private readonly worker: MoveWorker,
  ) {}

  /**
   * Starts moving the workspace to `instanceId`: `202` with the move.
   * @throws DomainException 404 (no such workspace, or the caller is neither a member nor a platform admin);
   *   403 (a member who is not its org's owner, or an owner naming an instance that takes no new workspaces);
   *   400 (no such instance); 409 (the workspace is on that instance already; a move of it runs already;
   *   the target lacks a key version of the source's keyring, so could not open its sealed secrets;
   *   `instance_schema_mismatch`: the two instances' schema levels differ or one is unknown, see `schemaMismatch`;
   *   `no_instance_available`: the target is down — no heartbeat within HUB_INSTANCE_DOWN_AFTER_MS, the
   *   `status` GET /instances shows — so the copy could not begin and the move would only wait to be aborted;
   *   the target is being drained — its workspaces are moving away — whoever asks, platform admins too).
   */
  async start(caller: User, orgWorkspaceId: string, instanceId: string): Promise<WorkspaceMoveDto> {
    const found = await this.authorize(caller, orgWorkspaceId);
    const target = await this.instances.findById(instanceId);
    if (!target) {
      throw DomainException.validation(`instanceId: no instance ${instanceId} is registered.`, [
        { field: 'instanceId', message: 'is not a registered instance' },
      ]);
    }
    if (!caller.isPlatformAdmin && !target.acceptsNewWorkspaces) {
      throw DomainException.forbidden(
        `Instance ${instanceId} takes no new workspaces; only a platform admin may move a workspace there.`,
      );
    }
    const silentMs = Date.now() - target.lastSeenAt.getTime();
    if (silentMs > this.config.HUB_INSTANCE_DOWN_AFTER_MS) {
      throw new DomainException(
        409,
        ErrorCode.NoInstanceAvailable,
        'The target instance is down',
        `Instance ${instanceId} is down: no heartbeat for ${Math.round(silentMs / 1000)} s. Start it, or move the workspace to an instance that is up (GET /instances shows each one's status).`,
      );
    }
    // A platform admin may place on an instance that takes no new workspaces, but not on one being emptied:
    // the move would race the drain, which would then report itself stalled.
    if ((await this.instances.drainState(instanceId)) === 'draining') {
      throw DomainException.conflict(
        `Instance ${instanceId} is being drained: its workspaces are moving away. Move the workspace to another instance, or wait until the drain is done.`,
      );
    }
    const move = await this.begin(found.workspace.id, found.workspace.instanceId, target, false);
    await this.audit.record(this.dataSource.manager, {
      orgId: found.workspace.orgId,
      actorUserId: caller.id,
      action: 'org_workspace.move_started',
      targetType: 'org-workspace',
      targetId: orgWorkspaceId,
      changes: { moveId: move.id, fromInstanceId: move.fromInstanceId, toInstanceId: move.toInstanceId },
    });
    return toMoveDto(move);
  }

  /**
   * The workspace's latest move (AccessGuard checked the caller is a member).
   * @throws DomainException 404 when the workspace was never moved.
   */
  async latest(orgWorkspaceId: string): Promise<WorkspaceMoveDto> {
    const move = await this.repository.latest(orgWorkspaceId);
    if (!move) throw DomainException.notFound('A move of this workspace');
    return toMoveDto(move);
  }

  /**
   * Aborts the workspace's running move before its cutover; the source stays
   * authoritative and the target's partial copy is deleted.
   * @throws DomainException 404/403 as `start`; 409 when no move is running or it is at or past its cutover.
   */
  async abort(caller: User, orgWorkspaceId: string): Promise<WorkspaceMoveDto> {
    const found = await this.authorize(caller, orgWorkspaceId);
    const move = await this.repository.abort(orgWorkspaceId);
    if (!move) {
      const latest = await this.repository.latest(orgWorkspaceId);
      throw DomainException.conflict(
        latest?.state === 'cutover'
          ? 'The move is at its cutover; it can no longer be aborted.'
          : 'No move of this workspace is running before its cutover.',
      );
    }
    await this.audit.record(this.dataSource.manager, {
      orgId: found.workspace.orgId,
      actorUserId: caller.id,
      action: 'org_workspace.move_aborted',
      targetType: 'org-workspace',
      targetId: orgWorkspaceId,
      changes: { moveId: move.id },
    });
    this.worker.wake();
    return toMoveDto(move);
  }

  /**
   * Drains an instance (platform admins): starts a move of every workspace
   * placed on it (and not moving already) to the least loaded other instance
   * that is up and accepts new workspaces; the instance stops taking new
   * workspaces itself. Only instances at the drained one's schema level are chosen (`schemaMismatch`).
   * Progress: `drain` on `GET /instances`. A refused drain (no move started) changes nothing: the
   * instance takes new workspaces again if it did before (a 409 says the request was not carried out).
   * Closed first all the same, so that no workspace is placed on the instance while its moves start.
   * @throws DomainException 404 for an unknown instance; 409 `conflict` while a move onto the instance runs;
   *   409 `no_instance_available` when no other instance can take them (a state of the platform the caller can change, not a fault of ours);
   *   409 `instance_schema_mismatch` when some could but none is at the drained instance's schema level (or its level is unknown).
   */
  async drain(instanceId: string): Promise<{ instanceId: string; started: number }> {
    const instance = await this.instances.findById(instanceId);
    if (!instance) throw DomainException.notFound('The instance');
    // A workspace moving onto the instance would land there after the drain emptied it, which would then
    // report itself stalled though no move failed; as a move onto a draining instance is refused, so is this.
    const incoming = await this.repository.runningMovesInto(instanceId);
    if (incoming > 0) {
      throw DomainException.conflict(
        `${incoming} workspace(s) moving onto instance ${instanceId}: wait until those moves end (or abort them), then drain.`,
      );
    }
    await this.instances.updateSettings(instanceId, false, instance.labels);
    let started = 0;
    try {
      const upSince = () => new Date(Date.now() - this.config.HUB_INSTANCE_DOWN_AFTER_MS);
      for (const workspaceId of await this.repository.workspacesToDrain(instanceId)) {
        // An instance of unknown level matches none: the drain then finds no target, and says why below.
        const target =
          instance.schemaLevel === null
            ? null
            : await this.instances.leastLoadedOtherThan(instanceId, upSince(), instance.schemaLevel);
        if (!target) {
          if (started > 0) break;
          const other = await this.instances.leastLoadedOtherThan(instanceId, upSince());
          if (other) {
            throw new DomainException(
              409,
              ErrorCode.InstanceSchemaMismatch,
              'No instance at the same schema level',
              `No other instance that is up and accepts new workspaces is at the schema level of ${instanceId} (${instance.schemaLevel ?? 'unknown (not reported)'}); ${other.id}, for one, is at ${other.schemaLevel ?? 'unknown (not reported)'}. Upgrade the instances to the same version, then drain again.`,
            );
          }
          throw new DomainException(
            409,
            ErrorCode.NoInstanceAvailable,
            'No instance available',
            'No other instance is up and accepting new workspaces to drain this one to.',
          );
        }
        try {
          await this.begin(workspaceId, instanceId, target, true);
          started += 1;
        } catch (error) {
          // A move started meanwhile (by a person or another drain) is as good.
          if (!(error instanceof DomainException && error.status === 409)) throw error;
        }
      }
    } catch (error) {
      // Refused (or failed) before any move started: the instance takes new workspaces again if it did.
      if (started === 0 && instance.acceptsNewWorkspaces) {
        await this.instances.updateSettings(instanceId, true, instance.labels);
      }
      throw error;
    }
    return { instanceId, started };
  }

  private async begin(
    orgWorkspaceId: string,
    fromInstanceId: string,
    target: Columns<Instance>,
    drain: boolean,
  ): Promise<Columns<WorkspaceMove>> {
    if (fromInstanceId === target.id) {
      throw DomainException.conflict(`The workspace is on instance ${target.id} already.`);
    }
    const source = await this.instances.findById(fromInstanceId);
    const mismatch = schemaMismatch({ id: fromInstanceId, schemaLevel: source?.schemaLevel ?? null }, target, 'start');
    if (mismatch) {
      throw new DomainException(
        409,
        ErrorCode.InstanceSchemaMismatch,
        'The instances differ in schema level',
        mismatch,
      );
    }
    const missing = source?.keyIds && target.keyIds ? source.keyIds.filter((id) => !target.keyIds?.includes(id)) : [];
    if (missing.length > 0) {
      throw DomainException.conflict(
        `Instance ${target.id} lacks key versions ${missing.join(', ')} of ENCRYPTION_KEYS that ${fromInstanceId} holds: it could not open the workspace's sealed secrets.`,
      );
    }
    const running = await this.repository.latest(orgWorkspaceId);
    if (running && RUNNING_MOVE_STATES.includes(running.state)) {
      throw DomainException.conflict('A move of this workspace is running already.');
    }
    // Two starts racing: the partial unique index `workspace_moves_running` refuses the second (409).
    const move = await this.repository.insert(this.dataSource.manager, {
      orgWorkspaceId,
      fromInstanceId,
      toInstanceId: target.id,
      drain,
    });
    this.worker.wake();
    return move;
  }

  /**
   * The workspace, when the caller may move it: a platform admin, or an owner of its org.
   * @throws DomainException 404 for a non-member who is not a platform admin; 403 for a member who is not an owner.
   */
  private async authorize(
    caller: User,
    orgWorkspaceId: string,
  ): Promise<{ workspace: { id: string; orgId: string; instanceId: string } }> {
    const found = await this.workspaces.findWithRole(caller.id, orgWorkspaceId);
    if (!found || (found.callerRole === null && !caller.isPlatformAdmin)) {
      throw DomainException.notFound('The org workspace');
    }
    if (!caller.isPlatformAdmin && found.callerRole !== 'owner') {
      throw DomainException.forbidden(
        ORG_MANAGERS.includes(found.callerRole ?? 'member')
          ? 'Moving a workspace needs the org owner (or a platform admin).'
          : 'This needs org owner.',
      );
    }
    return found;
  }
}

/** The move as the API shows it. */
export function toMoveDto(move: Columns<WorkspaceMove>): WorkspaceMoveDto {
  return {
    id: move.id,
    fromInstanceId: move.fromInstanceId,
    toInstanceId: move.toInstanceId,
    state: move.state,
    startedAt: move.startedAt.toISOString(),
    finishedAt: move.finishedAt?.toISOString() ?? null,
    rowsCopied: Number(move.rowsCopied),
    writePauseMs: move.writePauseMs,
    error: move.error,
  };
}
