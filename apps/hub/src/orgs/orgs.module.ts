import { Module } from '@nestjs/common';

import { AuditLogController } from '../audit-log/audit-log.controller.js';
import { MembersController } from './members.controller.js';
import { OrgAccessService } from './org-access.service.js';
import { OrgsController } from './orgs.controller.js';
import { OrgsService } from './orgs.service.js';

@Module({
  controllers: [OrgsController, MembersController, AuditLogController],
  providers: [OrgsService, OrgAccessService],
  exports: [OrgAccessService],
})
export class OrgsModule {}
