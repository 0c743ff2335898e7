import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiProblem, DomainException, Idempotent, Optional } from '@switchboard/server';
import { IsDateString, IsString, Length } from 'class-validator';
import { DataSource, IsNull } from 'typeorm';

import { Access } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { PersonalAccessToken } from './personal-access-token.entity.js';
import { PersonalAccessTokensService } from './personal-access-tokens.service.js';

export class CreateTokenDto {
  @ApiProperty({ minLength: 1, maxLength: 100 }) @IsString() @Length(1, 100) name!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'In the future; omitted: never expires.' })
  @Optional()
  @IsDateString({ strict: true })
  expiresAt?: string;
}

export class TokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The first characters, to recognise the token.' }) prefix!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'The token itself, shown only here.' }) token!: string;
}

/** A user's own personal access tokens. */
@ApiTags('users')
@Controller('users/me/tokens')
export class TokensController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: PersonalAccessTokensService,
  ) {}

  @Access('any user')
  @Idempotent()
  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedTokenDto })
  async create(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Body() body: CreateTokenDto,
  ): Promise<CreatedTokenDto> {
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw DomainException.validation('expiresAt: must be in the future.', [
        { field: 'expiresAt', message: 'must be in the future' },
      ]);
    }
    const { record, token } = await this.tokens.issue(this.dataSource.manager, principal.user.id, body.name, expiresAt);
    return { ...toTokenDto(record), token };
  }

  @Access('any user')
  @Get()
  @ApiPageResponse(TokenDto, 'Active tokens (not revoked), without their values.')
  async list(@CurrentPrincipal() principal: PlatformPrincipal): Promise<{ items: TokenDto[]; cursor: null }> {
    const records = await this.dataSource
      .getRepository(PersonalAccessToken)
      .find({ where: { userId: principal.user.id, revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
    return { items: records.map(toTokenDto), cursor: null };
  }

  /** Revokes the token; it stops working at once. */
  @Access('any user')
  @ApiProblem(404, "not_found: no such active token of the caller's.")
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async revoke(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    if (!(await this.tokens.revoke(principal.user.id, id))) throw DomainException.notFound('The token');
  }
}

function toTokenDto(record: PersonalAccessToken): TokenDto {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    expiresAt: record.expiresAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
  };
}
