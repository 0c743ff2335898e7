import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Idempotent, type Page, PageQueryDto } from '@switchboard/server';

import { Access } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { CreatedTokenDto, CreateTokenDto, TokenDto } from './tokens.dto.js';
import { TokensService } from './tokens.service.js';

/** A user's own personal access tokens. */
@ApiTags('users')
@Controller('users/me/tokens')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Access('any user')
  @Idempotent()
  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedTokenDto })
  @ApiOperation({
    summary: 'Create a personal access token',
    description: 'A new personal access token for the calling user; its value is shown only in this response.',
  })
  create(@CurrentPrincipal() principal: PlatformPrincipal, @Body() body: CreateTokenDto): Promise<CreatedTokenDto> {
    return this.tokens.create(principal.user.id, body);
  }

  @Access('any user')
  @Get()
  @ApiPageResponse(TokenDto, 'Active tokens (not revoked), without their values.')
  @ApiOperation({
    summary: 'List your personal access tokens',
    description: "The calling user's active (not revoked) tokens, without their values; cursor-paged.",
  })
  list(@CurrentPrincipal() principal: PlatformPrincipal, @Query() query: PageQueryDto): Promise<Page<TokenDto>> {
    return this.tokens.list(principal.user.id, query);
  }

  /** Revokes the token; it stops working at once. */
  @Access('any user')
  @ApiProblem(404, "not_found: no such active token of the caller's.")
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiOperation({
    summary: 'Revoke a personal access token',
    description: 'The token stops working at once. 404 if the caller has no active token with this id.',
  })
  revoke(@CurrentPrincipal() principal: PlatformPrincipal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.tokens.revoke(principal.user.id, id);
  }
}
