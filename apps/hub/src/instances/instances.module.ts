import { Module } from '@nestjs/common';

import { InstanceRegistryHandler } from './instance-registry.handler.js';
import { InstancesController } from './instances.controller.js';
import { InstancesService } from './instances.service.js';

@Module({
  controllers: [InstancesController, InstanceRegistryHandler],
  providers: [InstancesService],
  exports: [InstancesService],
})
export class InstancesModule {}
