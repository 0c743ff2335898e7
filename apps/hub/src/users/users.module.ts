import { Module } from '@nestjs/common';

import { BootstrapAdminService } from './bootstrap-admin.service.js';
import { PersonalAccessTokensService } from './personal-access-tokens.service.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';
import { UsersController } from './users.controller.js';

@Module({
  controllers: [UsersController, TokensController],
  providers: [PersonalAccessTokensService, TokensService, BootstrapAdminService],
  exports: [PersonalAccessTokensService],
})
export class UsersModule {}
