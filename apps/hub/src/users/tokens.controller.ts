import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ApiProblem,
  decodeCursor,
  DomainException,
  Idempotent,
  Optional,
  type Page,
  pageLimit,
  PageQueryDto,
  toPage,
} from '@switchboard/server';
import { IsDateString, IsString, Length } from 'class-validator';
import { DataSource } from 'typeorm';

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
  async list(@CurrentPrincipal() principal: PlatformPrincipal, @Query() query: PageQueryDto): Promise<Page<TokenDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const builder = this.dataSource
      .getRepository(PersonalAccessToken)
      .createQueryBuilder('t')
      .addSelect("to_json(t.created_at) #>> '{}'", 'position')
      .where('t.userId = :userId', { userId: principal.user.id })
      .andWhere('t.revokedAt IS NULL')
      .orderBy('t.createdAt', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .limit(limit + 1);
    if (after) {
      builder.andWhere('(t.created_at, t.id) > (:at::timestamptz, :id::uuid)', { at: after.at, id: after.id });
    }
    const { entities, raw } = await builder.getRawAndEntities<{ position: string; t_id: string }>();
    const positions = new Map(raw.map((row) => [row.t_id, row.position]));
    return toPage(entities, limit, (token) => ({ at: positions.get(token.id)!, id: token.id }), toTokenDto);
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
