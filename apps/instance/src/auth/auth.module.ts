import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';

import { ApiKeysModule } from '../api-keys/api-keys.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { RateLimitGuard } from '../usage/rate-limit.guard.js';
import { UsageModule } from '../usage/usage.module.js';
import { WorkspaceKeys } from '../workspaces/workspace-keys.js';
import { ActedRequestGuard } from './acted-request.guard.js';
import { TenantRoleGuard } from './tenant-role.guard.js';
import { VerifiedTokens } from './verified-tokens.js';
import { WorkspaceAuthGuard } from './workspace-auth.guard.js';
import { WorkspaceJwtStrategy } from './workspace-jwt.strategy.js';
import { WorkspaceTokenVerifier } from './workspace-token.verifier.js';

@Module({
  imports: [PassportModule, TenantsModule, UsageModule, ApiKeysModule],
  providers: [
    WorkspaceKeys,
    VerifiedTokens,
    WorkspaceTokenVerifier,
    WorkspaceJwtStrategy,
    // Global guards run in the order they are provided: the rate limit counts the tenant authentication found.
    { provide: APP_GUARD, useClass: WorkspaceAuthGuard },
    { provide: APP_GUARD, useClass: TenantRoleGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    // Switch Account tokens (`act`): an activity log entry per request, and the actor on every entry it writes.
    { provide: APP_GUARD, useClass: ActedRequestGuard },
  ],
  exports: [WorkspaceKeys],
})
export class AuthModule {}
