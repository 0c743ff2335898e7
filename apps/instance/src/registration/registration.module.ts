import { Module } from '@nestjs/common';

import { HubLinkService } from './hub-link.service.js';

@Module({
  providers: [HubLinkService],
  exports: [HubLinkService],
})
export class RegistrationModule {}
