import { Module } from '@nestjs/common';

import { BootstrapAdminService } from './bootstrap-admin.service.js';
import { PersonalAccessTokensService } from './personal-access-tokens.service.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';

@Module({
  controllers: [UsersController, TokensController],
  providers: [UsersRepository, PersonalAccessTokensService, TokensService, BootstrapAdminService],
  exports: [PersonalAccessTokensService],
})
export class UsersModule {}
