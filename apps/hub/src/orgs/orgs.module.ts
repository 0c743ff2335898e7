import { Module } from '@nestjs/common';

import { OrgRoleLookup } from '../auth/org-role-lookup.js';
import { AuditLogController } from './audit-log.controller.js';
import { MembersController } from './members.controller.js';
import { MembersService } from './members.service.js';
import { OrgAccessService } from './org-access.service.js';
import { OrgsController } from './orgs.controller.js';
import { OrgsRepository } from './orgs.repository.js';
import { OrgsService } from './orgs.service.js';

@Module({
  controllers: [OrgsController, MembersController, AuditLogController],
  providers: [
    OrgsRepository,
    OrgsService,
    MembersService,
    OrgAccessService,
    { provide: OrgRoleLookup, useExisting: OrgAccessService },
  ],
  exports: [OrgAccessService, OrgRoleLookup],
})
export class OrgsModule {}
