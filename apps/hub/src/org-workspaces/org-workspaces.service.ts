import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { MAX_PREVIOUS_SECRETS } from '@switchboard/contracts';
import { Keyring } from '@switchboard/crypto';
import type { Columns } from '@switchboard/persistence';
import {
  assertOutboundUrl,
  BoundedCache,
  decodeCursor,
  DomainException,
  ErrorCode,
  OutboundPolicy,
  type Page,
  pageLimit,
  toPage,
} from '@switchboard/server';
import { DataSource } from 'typeorm';

import { ORG_MANAGERS, type OrgRole } from '../auth/org-role.js';
import type { User } from '../auth/user.entity.js';
import type { WorkspaceRoleLookup } from '../auth/workspace-role-lookup.js';
import { HubConfig } from '../config.js';
import type { Instance } from '../instances/instance.entity.js';
import { InstancesService } from '../instances/instances.service.js';
import { AuditLogService } from '../orgs/audit-log.service.js';
import { OrgAccessService } from '../orgs/org-access.service.js';
import type { OrgWorkspace } from '../routing/org-workspace.entity.js';
import { PlacementPublisher } from '../routing/placement-publisher.js';
import { RoutingOutboxService } from '../routing/routing-outbox.service.js';
import { RoutingOutboxRelay } from '../routing/routing-outbox-relay.js';
import { snapshotDigest, toSnapshot } from '../routing/workspace-snapshot.mapper.js';
import { AccessTokenService } from './access-token.service.js';
import type {
  ListOrgWorkspacesQueryDto,
  RotatedSecretDto,
  RotateSecretDto,
  UpdateOrgWorkspaceDto,
} from './org-workspace-changes.dto.js';
import type {
  AccessTokenDto,
  AccessTokenRequestDto,
  CreatedOrgWorkspaceDto,
  CreateOrgWorkspaceDto,
  OrgWorkspaceDto,
  SyncState,
} from './org-workspaces.dto.js';
import { OrgWorkspacesRepository, type PlacedOrgWorkspace } from './org-workspaces.repository.js';
import { generateWorkspaceKey, generateWorkspaceSecret } from './workspace-secrets.js';
import { workspaceSettingsErrors } from './workspace-settings.js';

const DEFAULT_GRACE_SECONDS = 86_400;
/** The longest token a `switch_account` holder may issue: one hour (API.md, Switch Account). */
export const SWITCH_ACCOUNT_MAX_SECONDS = 3600;
/** See workspaceWithRoleCached. */
export const ISSUANCE_CACHE_MS = 1000;
const ISSUANCE_CACHE_LIMIT = 10_000;

@Injectable()
export class OrgWorkspacesService implements WorkspaceRoleLookup {
  /** Workspaces by id, as issuance last read them; a configuration change drops its entry. */
  private readonly issuanceWorkspaces = new BoundedCache<string, PlacedOrgWorkspace>({
    max: ISSUANCE_CACHE_LIMIT,
    ttlMs: ISSUANCE_CACHE_MS,
  });
  /** `orgId:userId` → the caller's role (null: not a member) and the membership generation it was read in. */
  private readonly issuanceRoles = new BoundedCache<string, { role: OrgRole | null; generation: number }>({
    max: ISSUANCE_CACHE_LIMIT,
    ttlMs: ISSUANCE_CACHE_MS,
  });
  /**
   * Issuance's reads in flight, by `userId:workspaceId`: the requests that
   * find the cache expired (every ISSUANCE_CACHE_MS) share one read instead
   * of each making one — while neither a membership nor the workspace's
   * configuration changed on this replica since it started.
   */
  private readonly issuanceReads = new Map<
    string,
    { row: Promise<WorkspaceWithRole | undefined>; generation: number; configurationChanges: number }
  >();
  /** Configuration changes begun or committed on this replica: a read older than one is neither shared nor cached. */
  private configurationChanges = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: OrgWorkspacesRepository,
    private readonly keyring: Keyring,
    private readonly access: OrgAccessService,
    private readonly instances: InstancesService,
    private readonly outbox: RoutingOutboxService,
    private readonly relay: RoutingOutboxRelay,
    private readonly accessTokens: AccessTokenService,
    private readonly audit: AuditLogService,
    private readonly outbound: OutboundPolicy,
    private readonly config: HubConfig,
    private readonly placements: PlacementPublisher,
  ) {}

  /**
   * A new workspace, placed by `InstancesService.place` (the instance named, or
   * one chosen by the placement labels, or the least loaded): for a caller who
   * is not a platform admin only on an instance that accepts new workspaces.
   * Its placement is published to the gateways after commit.
   * @throws DomainException 400 for `instanceId` together with `placement`; see `InstancesService.place`.
   */
  async create(caller: User, request: CreateOrgWorkspaceDto): Promise<CreatedOrgWorkspaceDto> {
    if (request.instanceId !== undefined && request.placement !== undefined) {
      throw DomainException.validation('Name an instance (instanceId) or ask for a placement, not both.', [
        { field: 'placement', message: 'cannot be combined with instanceId' },
      ]);
    }
    const secret = generateWorkspaceSecret();
    const { workspace, instance } = await this.dataSource.transaction(async (manager) => {
      const instance = await this.instances.place(manager, {
        instanceId: request.instanceId,
        labels: request.placement?.labels,
        platformAdmin: caller.isPlatformAdmin,
      });
      const workspace = await this.repository.insert(manager, {
        orgId: request.orgId,
        name: request.name,
        key: generateWorkspaceKey(request.name),
        instanceId: instance.id,
        settings: {},
        webhookUri: null,
        publicKeys: [],
        sealedSecret: this.keyring.encrypt(secret),
        previousSealedSecrets: [],
        archivedAt: null,
        configVersion: 1,
        appliedVersion: 0,
        appliedDigest: null,
        lastSyncError: null,
        syncErrorCode: null,
      });
      await this.outbox.enqueue(manager, workspace);
      await this.audit.record(manager, {
        orgId: workspace.orgId,
        actorUserId: caller.id,
        action: 'org_workspace.created',
        targetType: 'org-workspace',
        targetId: workspace.id,
        changes: { name: workspace.name, key: workspace.key, instanceId: workspace.instanceId },
      });
      return { workspace, instance };
    });
    this.relay.wake();
    this.placements.publish(workspace.id);
    return { ...toOrgWorkspaceDto(workspace, this.apiUrlOf(instance.apiUrl)), secret };
  }

  /** The caller's role was checked by AccessGuard (the route's `@Access`), as for every method here. */
  async get(id: string): Promise<OrgWorkspaceDto> {
    const workspace = await this.repository.findPlaced(id);
    if (!workspace) throw DomainException.notFound('The org workspace');
    return toOrgWorkspaceDto(workspace, this.apiUrlOf(workspace.api_url));
  }

  async list(query: ListOrgWorkspacesQueryDto): Promise<Page<OrgWorkspaceDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await this.repository.listPage(query.orgId, query.includeArchived === true, after, limit + 1);
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      (row) => toOrgWorkspaceDto(row, this.apiUrlOf(row.api_url)),
    );
  }

  /**
   * Changes what the request names and routes the new snapshot to the instance.
   * A `webhookUri` must be a public http(s) target (`400 outbound_url_refused`
   * otherwise, nothing changed); checked once the caller is known to manage
   * the workspace, so that others learn nothing from it.
   * @throws DomainException 400 validation_failed naming `settings.limits.<name>` for limits the instance
   *   could not honour (see workspaceSettingsErrors); 409 workspace_archived while the workspace is archived.
   */
  async update(userId: string, id: string, change: UpdateOrgWorkspaceDto): Promise<OrgWorkspaceDto> {
    const settingsErrors = change.settings ? workspaceSettingsErrors(change.settings) : [];
    if (settingsErrors.length > 0) {
      throw DomainException.validation(
        settingsErrors.map((e) => `${e.field}: ${e.message}`).join('; '),
        settingsErrors,
      );
    }
    return this.changeConfigurationToDto(userId, id, 'org_workspace.updated', describeChange(change), (workspace) => {
      refuseArchived(workspace);
      if (typeof change.webhookUri === 'string') assertOutboundUrl(change.webhookUri, this.outbound, 'webhookUri');
      if (change.name !== undefined) workspace.name = change.name;
      if (change.settings !== undefined) workspace.settings = change.settings;
      if (change.webhookUri !== undefined) workspace.webhookUri = change.webhookUri;
      if (change.publicKeys !== undefined) workspace.publicKeys = change.publicKeys;
    });
  }

  /**
   * A new secret; the one it replaces stays valid for the grace period, and
   * every earlier previous secret until the expiry its own rotation promised
   * (API.md, Trust boundaries: Secret rotation), at most
   * `MAX_PREVIOUS_SECRETS` at once: beyond that the oldest is dropped.
   * @throws DomainException 409 workspace_archived while the workspace is archived.
   */
  async rotateSecret(userId: string, id: string, request: RotateSecretDto): Promise<RotatedSecretDto> {
    const secret = generateWorkspaceSecret();
    const graceSeconds = request.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    const changes = { gracePeriodSeconds: graceSeconds };
    let expiresAt: string | null = null;
    await this.changeConfiguration(userId, id, 'org_workspace.secret_rotated', changes, (workspace) => {
      refuseArchived(workspace);
      const replaced =
        graceSeconds > 0
          ? [
              {
                sealedSecret: workspace.sealedSecret,
                expiresAt: new Date(Date.now() + graceSeconds * 1000).toISOString(),
              },
            ]
          : [];
      workspace.previousSealedSecrets = [...replaced, ...workspace.previousSealedSecrets].slice(
        0,
        MAX_PREVIOUS_SECRETS,
      );
      workspace.sealedSecret = this.keyring.encrypt(secret);
      expiresAt = replaced[0]?.expiresAt ?? null;
    });
    return { secret, previousSecretExpiresAt: expiresAt };
  }

  async setArchived(userId: string, id: string, archived: boolean): Promise<OrgWorkspaceDto> {
    const action = archived ? 'org_workspace.archived' : 'org_workspace.restored';
    return this.changeConfigurationToDto(userId, id, action, {}, (workspace) => {
      if (archived && workspace.archivedAt) throw DomainException.conflict('The workspace is archived already.');
      if (!archived && !workspace.archivedAt) throw DomainException.conflict('The workspace is not archived.');
      workspace.archivedAt = archived ? new Date() : null;
    });
  }

  /** What a client is told to call for a workspace whose instance serves at `instanceApiUrl` (HUB_GATEWAY_URL first). */
  private apiUrlOf(instanceApiUrl: string): Pick<Instance, 'apiUrl'> {
    return { apiUrl: this.config.apiUrlFor(instanceApiUrl) };
  }

  async readSecret(userId: string, id: string): Promise<{ secret: string }> {
    const workspace = await this.repository.findById(id);
    if (!workspace) throw DomainException.notFound('The org workspace');
    await this.audit.record(this.dataSource.manager, {
      orgId: workspace.orgId,
      actorUserId: userId,
      action: 'org_workspace.secret_read',
      targetType: 'org-workspace',
      targetId: workspace.id,
    });
    return { secret: this.keyring.decrypt(workspace.sealedSecret) };
  }

  /**
   * Every configuration change: in one transaction, lock the row, change it,
   * bump `configVersion` and write the outbox row; then wake the relay.
   */
  private async changeConfiguration(
    userId: string,
    id: string,
    action: string,
    changes: Record<string, unknown>,
    change: (workspace: Columns<OrgWorkspace>) => void,
  ): Promise<{ workspace: Columns<OrgWorkspace>; instance: Pick<Instance, 'apiUrl'> }> {
    this.forgetIssuanceWorkspace(id);
    const { workspace, instance } = await this.dataSource.transaction(async (manager) => {
      const locked = await this.repository.findPlaced(id, manager);
      if (!locked) throw DomainException.notFound('The org workspace');
      const { api_url: apiUrl, ...current } = locked;
      // Expired previous secrets go with the next change: a snapshot stays a function of the row.
      const now = Date.now();
      current.previousSealedSecrets = current.previousSealedSecrets.filter(
        (previous) => Date.parse(previous.expiresAt) > now,
      );
      change(current);
      current.configVersion += 1;
      const workspace = await this.repository.updateConfiguration(manager, id, current);
      await this.outbox.enqueue(manager, workspace);
      await this.audit.record(manager, {
        orgId: workspace.orgId,
        actorUserId: userId,
        action,
        targetType: 'org-workspace',
        targetId: workspace.id,
        changes: { ...changes, configVersion: workspace.configVersion },
      });
      return { workspace, instance: { apiUrl } };
    });
    // Again after commit: an issuance between the first drop and the commit may have cached the old row.
    this.forgetIssuanceWorkspace(id);
    this.relay.wake();
    this.placements.publish(id);
    return { workspace, instance: this.apiUrlOf(instance.apiUrl) };
  }

  private async changeConfigurationToDto(
    userId: string,
    id: string,
    action: string,
    changes: Record<string, unknown>,
    change: (workspace: Columns<OrgWorkspace>) => void,
  ): Promise<OrgWorkspaceDto> {
    const { workspace, instance } = await this.changeConfiguration(userId, id, action, changes, change);
    return toOrgWorkspaceDto(workspace, instance);
  }

  /**
   * A workspace JWT for the caller, written to the org's audit log
   * (`access_token_issued`: tenant, admin or not, expiry, reason, `act`;
   * never the token) before it is returned, so that no issued token goes
   * unaudited (API.md, Switch Account). An owner or admin of the org issues
   * as before; any other caller must hold the `switch_account` permission
   * (AccessGuard let them through), and then needs a `reason`, gets at most
   * SWITCH_ACCOUNT_MAX_SECONDS and a token carrying `act: {sub: <user id>}`
   * (RFC 8693 §4.1). The workspace and role come from the issuance cache
   * when it holds them (see workspaceWithRoleCached).
   * @throws DomainException 404 (no such workspace, or a non-member without the permission), 409
   *   `workspace_archived`, 400 for contradictory or unsignable claims, a missing reason, too long a lifetime,
   *   name or fields when switching.
   */
  async issueAccessToken(caller: User, id: string, request: AccessTokenRequestDto): Promise<AccessTokenDto> {
    const row = this.workspaceWithRoleFromCache(caller.id, id) ?? (await this.workspaceWithRoleCached(caller.id, id));
    if (!row) throw DomainException.notFound('The org workspace');
    const manager = row.callerRole !== null && ORG_MANAGERS.includes(row.callerRole);
    const switching = !manager && caller.permissions.includes('switch_account');
    if (!manager && !switching) {
      // AccessGuard refused such callers already; this holds if a rule changes.
      if (row.callerRole === null) throw DomainException.notFound('The org workspace');
      throw DomainException.forbidden('This needs org owner or admin.');
    }
    if (switching) refuseUnfitSwitch(request);
    const issued = this.issueFor(row, request, switching ? { sub: caller.id } : undefined);
    await this.audit.recordBatched({
      orgId: row.workspace.orgId,
      actorUserId: caller.id,
      action: 'access_token_issued',
      targetType: 'org-workspace',
      targetId: row.workspace.id,
      changes: {
        isAdmin: request.isAdmin === true,
        ...(request.tenantId !== undefined ? { tenantId: request.tenantId } : {}),
        ...(request.tenantKey !== undefined ? { tenantKey: request.tenantKey } : {}),
        expiresAt: issued.expiresAt,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
        ...(switching ? { switchAccount: true, act: { sub: caller.id } } : {}),
      },
    });
    return issued;
  }

  private issueFor(row: WorkspaceWithRole, request: AccessTokenRequestDto, act?: { sub: string }): AccessTokenDto {
    const workspace = row.workspace;
    refuseArchived(workspace);
    if (request.isAdmin && (request.tenantId || request.tenantKey)) {
      throw DomainException.validation('An admin token acts on the whole workspace and names no tenant.', [
        { field: 'isAdmin', message: 'cannot be combined with tenantId or tenantKey' },
      ]);
    }
    if (!request.isAdmin && !request.tenantId && !request.tenantKey) {
      throw DomainException.validation('Name a tenant (tenantKey or tenantId) or ask for an admin token.', [
        { field: 'tenantKey', message: 'is required unless isAdmin is true or tenantId is given' },
      ]);
    }
    return { ...this.accessTokens.issue(workspace, request, act), apiUrl: this.config.apiUrlFor(workspace.api_url) };
  }

  /**
   * WorkspaceRoleLookup, for AccessGuard: the workspace's org and the caller's
   * role in it, in one round trip; `cached` (access-token issuance only) may
   * answer from the issuance cache, which issueAccessToken then reads again.
   */
  async callerRole(
    userId: string,
    workspaceId: string,
    cached: boolean,
  ): Promise<{ orgId: string; role: OrgRole | null } | undefined> {
    const row = cached
      ? await this.workspaceWithRoleCached(userId, workspaceId)
      : await this.workspaceWithRole(userId, workspaceId);
    return row && { orgId: row.workspace.orgId, role: row.callerRole };
  }

  /** WorkspaceRoleLookup: `callerRole(userId, workspaceId, true)` from the issuance cache alone, or `undefined`. */
  cachedCallerRole(userId: string, workspaceId: string): { orgId: string; role: OrgRole | null } | undefined {
    const row = this.workspaceWithRoleFromCache(userId, workspaceId);
    return row && { orgId: row.workspace.orgId, role: row.callerRole };
  }

  /**
   * For access-token issuance only: the workspace and the caller's role as
   * this replica read them less than ISSUANCE_CACHE_MS ago. Changes made on
   * this replica (configuration, memberships) drop them at once; on other
   * replicas a token may for up to that long be signed with the secret just
   * rotated away (still valid during the grace period), or be issued to a
   * member just demoted.
   */
  private workspaceWithRoleCached(userId: string, id: string): Promise<WorkspaceWithRole | undefined> {
    const cached = this.workspaceWithRoleFromCache(userId, id);
    if (cached) return Promise.resolve(cached);
    const key = `${userId}:${id}`;
    const inFlight = this.issuanceReads.get(key);
    if (
      inFlight?.generation === this.access.membershipGeneration &&
      inFlight.configurationChanges === this.configurationChanges
    ) {
      return inFlight.row;
    }
    const read = {
      generation: this.access.membershipGeneration,
      configurationChanges: this.configurationChanges,
      row: this.workspaceWithRole(userId, id)
        .then((row) => {
          if (row && read.configurationChanges === this.configurationChanges) {
            this.issuanceWorkspaces.set(id, row.workspace);
            this.issuanceRoles.set(`${row.workspace.orgId}:${userId}`, {
              role: row.callerRole,
              generation: read.generation,
            });
          }
          return row;
        })
        .finally(() => {
          if (this.issuanceReads.get(key) === read) this.issuanceReads.delete(key);
        }),
    };
    this.issuanceReads.set(key, read);
    return read.row;
  }

  /** Drops the workspace from issuance's cache, and from the reads in flight that may share it. */
  private forgetIssuanceWorkspace(id: string): void {
    this.configurationChanges += 1;
    this.issuanceWorkspaces.delete(id);
  }

  /** What workspaceWithRoleCached answers from its cache alone (no promise), or `undefined`. */
  private workspaceWithRoleFromCache(userId: string, id: string): WorkspaceWithRole | undefined {
    const workspace = this.issuanceWorkspaces.get(id);
    const role = workspace && this.issuanceRoles.get(`${workspace.orgId}:${userId}`);
    if (workspace && role?.generation === this.access.membershipGeneration) {
      return { workspace, callerRole: role.role };
    }
    return undefined;
  }

  private async workspaceWithRole(userId: string, id: string): Promise<WorkspaceWithRole | undefined> {
    return (await this.repository.findWithRole(userId, id)) ?? undefined;
  }
}

/**
 * The rules of a token issued through the `switch_account` permission (API.md, Switch Account).
 * @throws DomainException 400 without a `reason`, with `expiresIn` over SWITCH_ACCOUNT_MAX_SECONDS, or with
 *   `name` or `fields` (claims an instance would write to the tenant).
 */
function refuseUnfitSwitch(request: AccessTokenRequestDto): void {
  if (request.reason === undefined || request.reason.trim() === '') {
    throw DomainException.validation('A token issued through switch_account needs a reason.', [
      { field: 'reason', message: 'is required when acting through the switch_account permission' },
    ]);
  }
  if (request.expiresIn !== undefined && request.expiresIn > SWITCH_ACCOUNT_MAX_SECONDS) {
    const message = `must be at most ${SWITCH_ACCOUNT_MAX_SECONDS} when acting through the switch_account permission`;
    throw DomainException.validation(`expiresIn: ${message}`, [{ field: 'expiresIn', message }]);
  }
  // An instance sets a tenant's name and fields from its token's claims: acting as a customer must not
  // rewrite the customer, where the audit log would not show it.
  for (const field of ['name', 'fields'] as const) {
    if (request[field] !== undefined) {
      const message =
        'cannot be set when acting through the switch_account permission (the token acts as the tenant is)';
      throw DomainException.validation(`${field}: ${message}`, [{ field, message }]);
    }
  }
}

interface WorkspaceWithRole {
  workspace: PlacedOrgWorkspace;
  callerRole: OrgRole | null;
}

/** What a PATCH changed, for the audit log: settings and keys as given (none of them is a secret). */
function describeChange(change: UpdateOrgWorkspaceDto): Record<string, unknown> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
}

export function toOrgWorkspaceDto(
  workspace: Columns<OrgWorkspace>,
  instance: Pick<Instance, 'apiUrl'>,
): OrgWorkspaceDto {
  return {
    id: workspace.id,
    orgId: workspace.orgId,
    name: workspace.name,
    key: workspace.key,
    instanceId: workspace.instanceId,
    apiUrl: instance.apiUrl,
    settings: workspace.settings,
    webhookUri: workspace.webhookUri,
    publicKeys: workspace.publicKeys,
    createdAt: workspace.createdAt.toISOString(),
    updatedAt: workspace.updatedAt.toISOString(),
    archivedAt: workspace.archivedAt?.toISOString() ?? null,
    sync: {
      version: workspace.configVersion,
      appliedVersion: workspace.appliedVersion,
      state: syncState(workspace),
      lastError: workspace.lastSyncError,
    },
  };
}

/**
 * An archived workspace is frozen until restored: its instance refuses every
 * token for it, so changing or rotating it, or issuing tokens, would only mislead.
 * Checked under the row lock for changes, so an archive cannot slip in between.
 * @throws DomainException 409 workspace_archived.
 */
function refuseArchived(workspace: Columns<OrgWorkspace>): void {
  if (workspace.archivedAt) {
    throw new DomainException(
      409,
      ErrorCode.WorkspaceArchived,
      'Conflict',
      'The workspace is archived; restore it first (POST /org-workspaces/{id}/restore).',
    );
  }
}

/**
 * What the instance holds compared with what the Hub wants (API.md, Trust
 * boundaries: NATS): `failed` when the instance refused the snapshot (it
 * cannot verify or decrypt it; `lastError` says why), `pending` until it
 * confirms the current version, `drifted` when it holds the current version
 * with another digest (it heals by itself: reconciliation re-sends the signed
 * snapshot), `synced` when version and digest match.
 */
export function syncState(workspace: Columns<OrgWorkspace>): SyncState {
  if (workspace.syncErrorCode !== null) return 'failed';
  if (workspace.appliedVersion < workspace.configVersion || workspace.appliedDigest === null) return 'pending';
  return workspace.appliedDigest === snapshotDigest(toSnapshot(workspace)) ? 'synced' : 'drifted';
}
