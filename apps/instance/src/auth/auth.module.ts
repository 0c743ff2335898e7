import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';

import { TenantsModule } from '../tenants/tenants.module.js';
import { VerifiedTokens } from './verified-tokens.js';
import { WorkspaceAuthGuard } from './workspace-auth.guard.js';
import { WorkspaceJwtStrategy } from './workspace-jwt.strategy.js';
import { WorkspaceKeys } from './workspace-keys.js';

@Module({
  imports: [PassportModule, TenantsModule],
  providers: [
    WorkspaceKeys,
    VerifiedTokens,
    WorkspaceJwtStrategy,
    { provide: APP_GUARD, useClass: WorkspaceAuthGuard },
  ],
  exports: [WorkspaceKeys],
})
export class AuthModule {}
