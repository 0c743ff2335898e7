import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiProblem, DomainException, Idempotent } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { Access } from '../auth/access.decorator.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import type { User } from '../auth/user.entity.js';
import { PersonalAccessTokensService } from './personal-access-tokens.service.js';
import { CreatedUserDto, CreateUserDto, UpdateUserDto, UserDto } from './users.dto.js';
import { UsersRepository } from './users.repository.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: PersonalAccessTokensService,
    private readonly users: UsersRepository,
  ) {}

  /** Platform admins only: a new user with a first personal access token, shown only here. */
  @Access('platform admin')
  @Idempotent()
  @ApiProblem(409, 'conflict: a user with this email exists.')
  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiOperation({
    summary: 'Create a user',
    description:
      'Platform admins only. Creates a platform user with a first personal access token, which is shown only in this response. 409 if a user with the email exists.',
  })
  async create(@Body() body: CreateUserDto): Promise<CreatedUserDto> {
    return this.dataSource.transaction(async (manager) => {
      const email = body.email.toLowerCase();
      if (await this.users.emailTaken(manager, email)) {
        throw DomainException.conflict(`A user with email ${email} exists.`);
      }
      const user = await this.users.insert(manager, {
        email,
        name: body.name,
        isPlatformAdmin: body.isPlatformAdmin ?? false,
      });
      const { token } = await this.tokens.issue(manager, user.id, 'first token', null);
      return { ...toUserDto(user), token };
    });
  }

  /**
   * Platform admins only: replaces a user's platform permissions (API.md, Switch Account).
   * Takes effect on every replica within a second (the principal cache of PersonalAccessTokensService).
   * @throws DomainException 404 when there is no such user; 400 for an unknown permission.
   */
  @Access('platform admin')
  @ApiProblem(404, 'not_found: there is no such user.')
  @Patch(':id')
  @ApiOkResponse({ type: UserDto })
  @ApiOperation({
    summary: "Set a user's platform permissions",
    description:
      "Platform admins only. Replaces the user's `permissions`; `switch_account` lets the user issue access tokens for any org's workspace, each with a `reason`, lasting at most an hour, carrying `act` and written to that org's audit log. Takes effect within a second on every replica.",
  })
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    const user = await this.users.setPermissions(this.dataSource.manager, id, body.permissions);
    if (!user) throw DomainException.notFound('The user');
    return toUserDto(user);
  }

  @Access('any user')
  @Get('me')
  @ApiOkResponse({ type: UserDto })
  @ApiOperation({ summary: 'The calling user', description: 'The user the personal access token belongs to.' })
  me(@CurrentPrincipal() principal: PlatformPrincipal): UserDto {
    return toUserDto(principal.user);
  }
}

export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isPlatformAdmin: user.isPlatformAdmin,
    permissions: user.permissions,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
