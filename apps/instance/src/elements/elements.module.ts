import { Module } from '@nestjs/common';

import { ElementSelectorController } from './element-selector.controller.js';
import { ElementsController } from './elements.controller.js';
import { ElementsRepository } from './elements.repository.js';
import { ElementsService } from './elements.service.js';

@Module({
  controllers: [ElementsController, ElementSelectorController],
  providers: [ElementsService, ElementsRepository],
})
export class ElementsModule {}
