import { BadRequestException, Body, type ExecutionContext, Param, ParseUUIDPipe } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainException, Public } from '@switchboard/server';
import { IsString, Length } from 'class-validator';

import { Access, orgIn, orgOfWorkspaceIn } from './access.decorator.js';
import { AccessGuard } from './access.guard.js';
import type { AuthorizedOrg } from './authorized-org.js';
import type { OrgRole } from './org-role.js';
import type { OrgRoleLookup } from './org-role-lookup.js';
import type { User } from './user.entity.js';
import type { WorkspaceRoleLookup } from './workspace-role-lookup.js';

const ORG = '11111111-1111-4111-8111-111111111111';
const WORKSPACE = '22222222-2222-4222-8222-222222222222';
const ALICE = '33333333-3333-4333-8333-333333333333';

class RenameDto {
  @IsString() @Length(1, 10) name!: string;
}

class Routes {
  @Access('org owner', orgIn.param('orgId')) rename(
    @Param('orgId', ParseUUIDPipe) _orgId: string,
    @Body() _body: RenameDto,
  ): void {}

  @Access('any user') anyUser(): void {}
  @Access('platform admin') platformAdmin(): void {}
  @Access('org owner', orgIn.param('orgId')) ownerByParam(): void {}
  @Access('org member', orgIn.body('orgId')) memberByBody(): void {}
  @Access('org owner or admin', orgIn.query('orgId')) managerByQuery(): void {}
  @Access('org owner or admin', orgOfWorkspaceIn('id')) managerOfWorkspace(): void {}
  @Access('org owner or admin', orgOfWorkspaceIn('id', { cached: true })) managerOfWorkspaceCached(): void {}
  @Public() open(): void {}
  undeclared(): void {}
}

interface FakeRequest {
  principal?: { user: Pick<User, 'id' | 'isPlatformAdmin'>; tokenId: string };
  params: Record<string, string>;
  body?: unknown;
  query: Record<string, unknown>;
  authorizedOrg?: AuthorizedOrg;
}

function contextFor(handler: keyof Routes, request: FakeRequest): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function requestOf(overrides: Partial<FakeRequest> = {}, isPlatformAdmin = false): FakeRequest {
  return {
    principal: { user: { id: ALICE, isPlatformAdmin }, tokenId: 't' },
    params: {},
    query: {},
    ...overrides,
  };
}

/** Alice's roles by org (absent: not a member), and the orgs of workspaces. */
function guardWith(roles: Record<string, OrgRole>, workspaces: Record<string, string> = {}) {
  const calls: string[] = [];
  const access = {
    requireRole: (orgId: string, userId: string, allowed: readonly OrgRole[]): Promise<OrgRole> => {
      calls.push(`requireRole ${orgId}`);
      const role = userId === ALICE ? roles[orgId] : undefined;
      if (!role) return Promise.reject(DomainException.notFound('The org'));
      if (!allowed.includes(role)) return Promise.reject(DomainException.forbidden('not enough'));
      return Promise.resolve(role);
    },
  } satisfies OrgRoleLookup;
  const lookup: WorkspaceRoleLookup = {
    callerRole: (userId, workspaceId, cached) => {
      calls.push(`callerRole ${workspaceId} cached=${cached}`);
      const orgId = workspaces[workspaceId];
      return Promise.resolve(
        orgId ? { orgId, role: (userId === ALICE ? roles[orgId] : undefined) ?? null } : undefined,
      );
    },
  };
  return { sut: new AccessGuard(new Reflector(), access, lookup), calls };
}

async function statusOf(verdict: boolean | Promise<boolean>): Promise<number | 'allowed' | 'error'> {
  try {
    await verdict;
    return 'allowed';
  } catch (error) {
    if (error instanceof DomainException) return error.status;
    if (error instanceof BadRequestException) return error.getStatus();
    return 'error';
  }
}

describe('AccessGuard', () => {
  it('refuses a route that declares no rule, whoever calls it (deny by default)', async () => {
    const { sut } = guardWith({ [ORG]: 'owner' });

    await expect(sut.canActivate(contextFor('undeclared', requestOf({}, true)))).rejects.toThrow(
      'Routes.undeclared declares neither @Access(...) nor @Public(): refused',
    );
  });

  it('lets @Public() routes through without a principal, and refuses declared routes reached without one', async () => {
    const { sut } = guardWith({});

    await expect(sut.canActivate(contextFor('open', requestOf({ principal: undefined })))).resolves.toBe(true);
    await expect(sut.canActivate(contextFor('anyUser', requestOf({ principal: undefined })))).rejects.toThrow(
      /without an authenticated principal/,
    );
  });

  it('lets any user through "any user", and only platform admins through "platform admin" (403 otherwise)', async () => {
    const { sut } = guardWith({});

    expect(await statusOf(sut.canActivate(contextFor('anyUser', requestOf())))).toBe('allowed');
    expect(await statusOf(sut.canActivate(contextFor('platformAdmin', requestOf({}, true))))).toBe('allowed');
    expect(await statusOf(sut.canActivate(contextFor('platformAdmin', requestOf())))).toBe(403);
  });

  it('checks the org named by a path parameter, and hands the role to the handler', async () => {
    const { sut } = guardWith({ [ORG]: 'owner' });
    const request = requestOf({ params: { orgId: ORG } });

    expect(await statusOf(sut.canActivate(contextFor('ownerByParam', request)))).toBe('allowed');
    expect(request.authorizedOrg).toEqual({ orgId: ORG, role: 'owner' });
  });

  it('answers 404 to non-members, platform admins included, and 403 to members whose role is not enough', async () => {
    const { sut } = guardWith({ [ORG]: 'admin' });
    const other = '44444444-4444-4444-8444-444444444444';

    const asAdminOfAnotherOrg = requestOf({ params: { orgId: other } }, true);
    expect(await statusOf(sut.canActivate(contextFor('ownerByParam', asAdminOfAnotherOrg)))).toBe(404);
    expect(await statusOf(sut.canActivate(contextFor('ownerByParam', requestOf({ params: { orgId: ORG } }))))).toBe(
      403,
    );
  });

  it('reads the org from the body or the query, refusing a malformed or missing one with 400 before any lookup', async () => {
    const { sut, calls } = guardWith({ [ORG]: 'member' });

    expect(await statusOf(sut.canActivate(contextFor('memberByBody', requestOf({ body: { orgId: ORG } }))))).toBe(
      'allowed',
    );
    expect(await statusOf(sut.canActivate(contextFor('managerByQuery', requestOf({ query: { orgId: ORG } }))))).toBe(
      403,
    );
    for (const body of [undefined, null, [], {}, { orgId: 'nope' }, { orgId: 5 }, { orgId: [ORG] }]) {
      expect(await statusOf(sut.canActivate(contextFor('memberByBody', requestOf({ body }))))).toBe(400);
    }
    expect(await statusOf(sut.canActivate(contextFor('managerByQuery', requestOf({ query: { orgId: [ORG] } }))))).toBe(
      400,
    );
    expect(await statusOf(sut.canActivate(contextFor('ownerByParam', requestOf({ params: { orgId: 'x' } }))))).toBe(
      400,
    );
    expect(calls).toEqual([`requireRole ${ORG}`, `requireRole ${ORG}`]);
  });

  it("checks the org of an org workspace: 404 for an unknown one or another org's, 403 below the rule", async () => {
    const other = '55555555-5555-4555-8555-555555555555';
    const { sut, calls } = guardWith({ [ORG]: 'member' }, { [WORKSPACE]: ORG, [other]: 'another org' });

    const workspaceRequest = (id: string) => requestOf({ params: { id } });
    expect(await statusOf(sut.canActivate(contextFor('managerOfWorkspace', workspaceRequest(WORKSPACE))))).toBe(403);
    expect(await statusOf(sut.canActivate(contextFor('managerOfWorkspace', workspaceRequest(other))))).toBe(404);
    expect(await statusOf(sut.canActivate(contextFor('managerOfWorkspace', workspaceRequest(ORG))))).toBe(404);
    expect(await statusOf(sut.canActivate(contextFor('managerOfWorkspaceCached', workspaceRequest(WORKSPACE))))).toBe(
      403,
    );
    expect(calls).toEqual([
      `callerRole ${WORKSPACE} cached=false`,
      `callerRole ${other} cached=false`,
      `callerRole ${ORG} cached=false`,
      `callerRole ${WORKSPACE} cached=true`,
    ]);
  });

  it('allows a rule met from the issuance cache at once (no promise), and refuses from it as from the lookup', async () => {
    const member = '77777777-7777-4777-8777-777777777777';
    const stranger = '88888888-8888-4888-8888-888888888888';
    const roles: Record<string, OrgRole | null> = { [WORKSPACE]: 'admin', [member]: 'member', [stranger]: null };
    const calls: string[] = [];
    const lookup: WorkspaceRoleLookup = {
      callerRole: (_userId, workspaceId, cached) => {
        calls.push(`callerRole ${workspaceId} cached=${cached}`);
        return Promise.resolve({ orgId: ORG, role: roles[workspaceId] ?? null });
      },
      cachedCallerRole: (_userId, workspaceId) =>
        workspaceId in roles ? { orgId: ORG, role: roles[workspaceId] ?? null } : undefined,
    };
    const access = { requireRole: () => Promise.reject(new Error('not asked')) } satisfies OrgRoleLookup;
    const sut = new AccessGuard(new Reflector(), access, lookup);

    const allowed = requestOf({ params: { id: WORKSPACE } });
    expect(sut.canActivate(contextFor('managerOfWorkspaceCached', allowed))).toBe(true);
    expect(allowed.authorizedOrg).toEqual({ orgId: ORG, role: 'admin' });
    const belowTheRule = sut.canActivate(contextFor('managerOfWorkspaceCached', requestOf({ params: { id: member } })));
    expect(belowTheRule).toBeInstanceOf(Promise);
    expect(await statusOf(belowTheRule)).toBe(403);
    const notAMember = sut.canActivate(contextFor('managerOfWorkspaceCached', requestOf({ params: { id: stranger } })));
    expect(notAMember).toBeInstanceOf(Promise);
    expect(await statusOf(notAMember)).toBe(404);
    expect(calls).toEqual([]);
  });

  it('answers bad input with 400 even to callers it refuses, as the pipes did before the rules moved into it', async () => {
    const { sut } = guardWith({ [ORG]: 'admin' });
    const rename = (orgId: string, body: unknown) => contextFor('rename', requestOf({ params: { orgId }, body }));
    const other = '66666666-6666-4666-8666-666666666666';

    expect(await statusOf(sut.canActivate(rename(other, { name: 'fine' })))).toBe(404);
    expect(await statusOf(sut.canActivate(rename(ORG, { name: 'fine' })))).toBe(403);
    expect(await statusOf(sut.canActivate(rename(other, { name: '' })))).toBe(400);
    expect(await statusOf(sut.canActivate(rename(ORG, { name: 'fine', extra: 1 })))).toBe(400);
    expect(await statusOf(sut.canActivate(rename('not-a-uuid', { name: 'fine' })))).toBe(400);
  });
});
