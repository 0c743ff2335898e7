import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { instanceInboxPrefix } from '@switchboard/contracts';
import { Keyring, SnapshotVerifier } from '@switchboard/crypto';
import { postgresOptions } from '@switchboard/persistence';
import { OutboundPolicy, PlatformModule } from '@switchboard/server';

import { ActivityLogsModule } from './activity-logs/activity-logs.module.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { AuthModule } from './auth/auth.module.js';
import { InstanceConfig, requireHubPublicKey } from './config.js';
import { ConnectionsModule } from './connections/connections.module.js';
import { WorkspaceCorsPolicy } from './cors/workspace-cors.policy.js';
import { DatabaseModule } from './database/database.module.js';
import { INSTANCE_UNIQUE_CONSTRAINTS } from './database/unique-constraints.js';
import { ElementsModule } from './elements/elements.module.js';
import { EventsModule } from './events/events.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { INSTANCE_ENTITIES } from './instance.entities.js';
import { IntegrationsModule } from './integrations/integrations.module.js';
import { JournalModule } from './journal/journal.module.js';
import { MembraneCompatModule } from './membrane-compat/membrane-compat.module.js';
import { moveRefusal } from './moves/move-refusal.js';
import { MovesModule } from './moves/moves.module.js';
import { RegistrationModule } from './registration/registration.module.js';
import { TenantsModule } from './tenants/tenants.module.js';
import { UniverseModule } from './universe/universe.module.js';
import { UsageModule } from './usage/usage.module.js';
import { WorkspaceTransferModule } from './workspace-transfer/workspace-transfer.module.js';
import { WorkspaceCoreModule } from './workspaces/workspace-core.module.js';
import { WorkspacesModule } from './workspaces/workspaces.module.js';

@Module({})
class InstanceCoreModule {}

/** An instance: wiring only. Features live in their folders. */
@Module({})
export class InstanceModule {
  static forRoot(config: InstanceConfig): DynamicModule {
    return {
      module: InstanceModule,
      imports: [
        PlatformModule.forRoot({
          service: `instance-${config.INSTANCE_ID}`,
          logLevel: config.LOG_LEVEL,
          natsUrl: config.NATS_URL,
          natsNamespace: config.NATS_NAMESPACE,
          natsRequestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
          natsCredentials: config.natsCredentials(),
          ops: config.opsListen(),
          cors: WorkspaceCorsPolicy,
          // Tenants are served from Postgres: NATS down is reported, not a reason to stop serving.
          readiness: { natsRequired: false },
          natsInboxPrefix: instanceInboxPrefix(config.INSTANCE_ID),
          uniqueConstraints: INSTANCE_UNIQUE_CONSTRAINTS,
          errorTranslations: [moveRefusal],
        }),
        TypeOrmModule.forRoot(
          postgresOptions({
            url: config.DATABASE_URL,
            entities: INSTANCE_ENTITIES,
            poolSize: config.DATABASE_POOL_SIZE,
            applicationName: `switchboard-instance-${config.INSTANCE_ID}`,
          }),
        ),
        {
          module: InstanceCoreModule,
          global: true,
          providers: [
            { provide: InstanceConfig, useValue: config },
            { provide: Keyring, useValue: Keyring.parse(config.ENCRYPTION_KEYS) },
            { provide: OutboundPolicy, useValue: OutboundPolicy.fromAllowedCidrs(config.OUTBOUND_ALLOWED_CIDRS) },
            { provide: SnapshotVerifier, useValue: SnapshotVerifier.fromPublicKeys(requireHubPublicKey(config)) },
          ],
          exports: [InstanceConfig, Keyring, OutboundPolicy, SnapshotVerifier],
        },
        DatabaseModule,
        JournalModule,
        WorkspaceCoreModule,
        EventsModule,
        WorkspacesModule,
        AuthModule,
        TenantsModule,
        ApiKeysModule,
        UsageModule,
        IdempotencyModule,
        IntegrationsModule,
        ConnectionsModule,
        ElementsModule,
        UniverseModule,
        ActivityLogsModule,
        MembraneCompatModule,
        RegistrationModule,
        WorkspaceTransferModule,
        MovesModule,
      ],
    };
  }
}
