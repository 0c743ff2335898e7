import { Module } from '@nestjs/common';

import { TenantsModule } from '../tenants/tenants.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';

@Module({
  imports: [TenantsModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeysService],
  // For the authentication strategy (auth/), which reads keys on every request made with one.
  exports: [ApiKeysRepository],
})
export class ApiKeysModule {}
