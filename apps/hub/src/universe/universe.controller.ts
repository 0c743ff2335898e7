import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { UniverseElementType } from '@switchboard/contracts';
import {
  ApiProblem,
  Idempotent,
  PageQueryDto,
  UNIVERSE_KEY_PARAM as KEY_PARAM,
  UNIVERSE_KEY_PIPE as KEY,
  UNIVERSE_TYPE_PARAM as TYPE_PARAM,
  UNIVERSE_TYPE_PIPE as TYPE,
} from '@switchboard/server';

import { Access } from '../auth/access.decorator.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import {
  CreateUniverseElementDto,
  ListUniverseQueryDto,
  UniverseElementDto,
  UniverseElementPageDto,
  UniverseRevisionPageDto,
  UpdateUniverseElementDto,
} from './universe.dto.js';
import { UniverseService } from './universe.service.js';

const DELIVERY =
  'The change bumps the universe version and reaches every registered instance (and every instance that registers later).';

/** The universe (API.md, Universe): read by any user, written by platform admins only. */
@ApiTags('universe')
@Controller('universe')
export class UniverseController {
  constructor(private readonly universe: UniverseService) {}

  @Access('any user')
  @Get(':utype')
  @ApiParam(TYPE_PARAM)
  @ApiOkResponse({ type: UniverseElementPageDto })
  @ApiOperation({
    summary: 'List universe elements of a type',
    description: 'Any user. Oldest first, cursor-paged; archived ones only with `includeArchived=true`.',
  })
  list(@Param('utype', TYPE) type: UniverseElementType, @Query() query: ListUniverseQueryDto) {
    return this.universe.list(type, query);
  }

  @Access('any user')
  @Get(':utype/:key')
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: UniverseElementDto })
  @ApiOperation({
    summary: 'Get a universe element',
    description: 'Any user. The current revision, archived or not (`archivedAt`).',
  })
  get(@Param('utype', TYPE) type: UniverseElementType, @Param('key', KEY) key: string) {
    return this.universe.get(type, key);
  }

  @Access('any user')
  @Get(':utype/:key/revisions')
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: UniverseRevisionPageDto })
  @ApiOperation({
    summary: "A universe element's revisions",
    description:
      'Any user. Every revision the Hub keeps, oldest first, cursor-paged; instances hold only the current one.',
  })
  revisions(
    @Param('utype', TYPE) type: UniverseElementType,
    @Param('key', KEY) key: string,
    @Query() query: PageQueryDto,
  ) {
    return this.universe.revisions(type, key, query);
  }

  @Access('platform admin')
  @Post(':utype')
  @HttpCode(201)
  @Idempotent()
  @ApiParam(TYPE_PARAM)
  @ApiCreatedResponse({ type: UniverseElementDto })
  @ApiProblem(409, 'conflict: an element of this type with this key exists, or the universe would be too large.')
  @ApiOperation({ summary: 'Create a universe element', description: `Platform admins only. Revision 1. ${DELIVERY}` })
  create(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('utype', TYPE) type: UniverseElementType,
    @Body() body: CreateUniverseElementDto,
  ) {
    return this.universe.create(principal, type, body);
  }

  @Access('platform admin')
  @Put(':utype/:key')
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiProblem(409, 'conflict: the universe would be too large for one message to every instance.')
  @ApiOkResponse({ type: UniverseElementDto })
  @ApiOperation({
    summary: 'Change a universe element',
    description: `Platform admins only. A new revision with this definition (and name, when given); the Hub keeps every revision. ${DELIVERY}`,
  })
  update(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('utype', TYPE) type: UniverseElementType,
    @Param('key', KEY) key: string,
    @Body() body: UpdateUniverseElementDto,
  ) {
    return this.universe.update(principal, type, key, body);
  }

  @Access('platform admin')
  @Delete(':utype/:key')
  @HttpCode(204)
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiNoContentResponse({ description: 'Archived (or already archived).' })
  @ApiOperation({
    summary: 'Archive a universe element',
    description: `Platform admins only. Instances hide it from tokens; restore brings it back. ${DELIVERY}`,
  })
  async archive(@Param('utype', TYPE) type: UniverseElementType, @Param('key', KEY) key: string): Promise<void> {
    await this.universe.setArchived(type, key, true);
  }

  @Access('platform admin')
  @Post(':utype/:key/restore')
  @HttpCode(200)
  @Idempotent()
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiProblem(409, 'conflict: the universe would be too large for one message to every instance.')
  @ApiOkResponse({ type: UniverseElementDto })
  @ApiOperation({
    summary: 'Restore a universe element',
    description: `Platform admins only. Undoes an archive. ${DELIVERY}`,
  })
  restore(@Param('utype', TYPE) type: UniverseElementType, @Param('key', KEY) key: string) {
    return this.universe.setArchived(type, key, false);
  }
}
