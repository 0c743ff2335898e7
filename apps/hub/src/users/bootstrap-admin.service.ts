import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { HubConfig } from '../config.js';
import { PersonalAccessTokensService } from './personal-access-tokens.service.js';
import { UsersRepository } from './users.repository.js';

/**
 * Creates the first platform admin from `HUB_BOOTSTRAP_ADMIN_EMAIL` and
 * `HUB_BOOTSTRAP_ADMIN_TOKEN` when the Hub has no users. The token is stored
 * only as its hash. Replicas starting together create one admin.
 */
@Injectable()
export class BootstrapAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdminService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: HubConfig,
    private readonly tokens: PersonalAccessTokensService,
    private readonly users: UsersRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const email = this.config.HUB_BOOTSTRAP_ADMIN_EMAIL;
    const token = this.config.HUB_BOOTSTRAP_ADMIN_TOKEN;
    if (!email || !token) return;
    await this.dataSource.transaction(async (manager) => {
      // One bootstrap at a time across replicas; the lock ends with the transaction.
      await this.users.lockBootstrap(manager);
      if (await this.users.anyUser(manager)) return;
      const admin = await this.users.insert(manager, {
        email: email.toLowerCase(),
        name: 'Platform admin',
        isPlatformAdmin: true,
      });
      await this.tokens.issue(manager, admin.id, 'bootstrap', null, token);
      this.logger.log(`created the bootstrap platform admin ${admin.email}`);
    });
  }
}
