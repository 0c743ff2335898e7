import { Module } from '@nestjs/common';

import { SelfController } from './self.controller.js';
import { TenantActivity } from './tenant-activity.js';
import { TenantCache, TenantCacheInvalidation } from './tenant-cache.js';
import { TenantLookupController } from './tenant-lookup.controller.js';
import { TenantPreloads } from './tenant-preloads.js';
import { TenantResolver } from './tenant-resolver.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

@Module({
  // SelfController first: its static `tenants/self` must not be read as `tenants/:id`.
  controllers: [SelfController, TenantLookupController, TenantsController, TenantCacheInvalidation],
  providers: [TenantsRepository, TenantsService, TenantResolver, TenantCache, TenantActivity, TenantPreloads],
  exports: [TenantResolver, TenantCache, TenantActivity, TenantPreloads],
})
export class TenantsModule {}
