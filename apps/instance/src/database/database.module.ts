import { Global, Module } from '@nestjs/common';

import { TenantScope } from './tenant-scope.js';

@Global()
@Module({ providers: [TenantScope], exports: [TenantScope] })
export class DatabaseModule {}
