import { Module } from '@nestjs/common';

import { ActivityLogsModule } from '../activity-logs/activity-logs.module.js';
import { ElementSelectorController } from './element-selector.controller.js';
import { ElementsController } from './elements.controller.js';
import { ElementsRepository } from './elements.repository.js';
import { ElementsService } from './elements.service.js';

@Module({
  imports: [ActivityLogsModule],
  controllers: [ElementsController, ElementSelectorController],
  providers: [ElementsService, ElementsRepository],
})
export class ElementsModule {}
