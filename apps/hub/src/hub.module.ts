import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parseCorsOrigins } from '@switchboard/config';
import { HUB_INBOX_PREFIX } from '@switchboard/contracts';
import { Keyring, SnapshotSigner } from '@switchboard/crypto';
import { postgresOptions } from '@switchboard/persistence';
import { OutboundPolicy, PlatformModule, staticCorsPolicy } from '@switchboard/server';

import { AccessGuard } from './auth/access.guard.js';
import { AccessCatalog } from './auth/access-catalog.js';
import { HubConfig, requireSigningKey } from './config.js';
import { HUB_UNIQUE_CONSTRAINTS } from './database/unique-constraints.js';
import { HUB_ENTITIES } from './hub.entities.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { InstancesModule } from './instances/instances.module.js';
import { MovesModule } from './moves/moves.module.js';
import { OrgWorkspacesModule } from './org-workspaces/org-workspaces.module.js';
import { AuditLogModule } from './orgs/audit-log.module.js';
import { OrgsModule } from './orgs/orgs.module.js';
import { RoutingModule } from './routing/routing.module.js';
import { UniverseModule } from './universe/universe.module.js';
import { PlatformAuthGuard } from './users/platform-auth.guard.js';
import { UsersModule } from './users/users.module.js';

/** The Hub: wiring only. Features live in their folders. */
@Module({})
export class HubModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: HubModule,
      imports: [
        DiscoveryModule,
        PlatformModule.forRoot({
          service: 'hub',
          logLevel: config.LOG_LEVEL,
          natsUrl: config.NATS_URL,
          natsNamespace: config.NATS_NAMESPACE,
          natsRequestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
          natsCredentials: config.natsCredentials(),
          ops: config.opsListen(),
          cors: staticCorsPolicy(parseCorsOrigins(config.HUB_CORS_ORIGINS)),
          natsInboxPrefix: HUB_INBOX_PREFIX,
          uniqueConstraints: HUB_UNIQUE_CONSTRAINTS,
        }),
        TypeOrmModule.forRoot(
          postgresOptions({
            url: config.DATABASE_URL,
            entities: HUB_ENTITIES,
            poolSize: config.DATABASE_POOL_SIZE,
            applicationName: 'switchboard-hub',
          }),
        ),
        {
          module: HubCoreModule,
          global: true,
          providers: coreProviders(config),
          exports: [HubConfig, Keyring, OutboundPolicy, SnapshotSigner],
        },
        AuditLogModule,
        UsersModule,
        OrgsModule,
        InstancesModule,
        RoutingModule,
        OrgWorkspacesModule,
        IdempotencyModule,
        UniverseModule,
        MovesModule,
      ],
      // In this order: authenticate, then enforce the route's @Access rule (deny by default).
      providers: [
        { provide: APP_GUARD, useClass: PlatformAuthGuard },
        { provide: APP_GUARD, useClass: AccessGuard },
        AccessCatalog,
      ],
    };
  }
}

@Module({})
class HubCoreModule {}

function coreProviders(config: HubConfig) {
  return [
    { provide: HubConfig, useValue: config },
    { provide: Keyring, useValue: Keyring.parse(config.ENCRYPTION_KEYS) },
    { provide: OutboundPolicy, useValue: OutboundPolicy.fromAllowedCidrs(config.OUTBOUND_ALLOWED_CIDRS) },
    // Imported once: signing must not import a key per snapshot.
    { provide: SnapshotSigner, useValue: SnapshotSigner.fromSeed(requireSigningKey(config)) },
  ];
}
