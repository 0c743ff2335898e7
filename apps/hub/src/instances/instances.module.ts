import { Module } from '@nestjs/common';

import { InstanceRegistryHandler } from './instance-registry.handler.js';
import { InstancesController } from './instances.controller.js';
import { InstancesRepository } from './instances.repository.js';
import { InstancesService } from './instances.service.js';

@Module({
  controllers: [InstancesController, InstanceRegistryHandler],
  providers: [InstancesRepository, InstancesService],
  exports: [InstancesService, InstancesRepository],
})
export class InstancesModule {}
