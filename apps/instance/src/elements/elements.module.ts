import { Module } from '@nestjs/common';

import { IntegrationsModule } from '../integrations/integrations.module.js';
import { ConnectorSpecController } from './connector-spec.controller.js';
import { ElementSelectorController } from './element-selector.controller.js';
import { ElementsController } from './elements.controller.js';
import { ElementsRepository } from './elements.repository.js';
import { ElementsService } from './elements.service.js';

@Module({
  imports: [IntegrationsModule],
  controllers: [ElementsController, ElementSelectorController, ConnectorSpecController],
  providers: [ElementsService, ElementsRepository],
})
export class ElementsModule {}
