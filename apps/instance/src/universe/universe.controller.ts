import { Controller, Delete, Get, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  ApiProblem,
  DomainException,
  type Page,
  UNIVERSE_KEY_PARAM as KEY_PARAM,
  UNIVERSE_KEY_PIPE as KEY,
  UNIVERSE_TYPE_PARAM as TYPE_PARAM,
  UNIVERSE_TYPE_PIPE as TYPE,
} from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import { requireAdmin } from '../workspaces/require-admin.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import {
  GetUniverseQueryDto,
  ListUniverseQueryDto,
  UniverseElementDto,
  UniverseElementPageDto,
} from './universe.dto.js';
import { type UniverseElementRow, UniverseReader } from './universe.reader.js';
import type { UniverseElementType } from './universe-element.entity.js';

const READ_ONLY =
  'The universe is managed on the Hub by platform admins and is read-only here: every write under /universe is 403.';

const REFUSED =
  'Answers `403` problem+json (`code: "forbidden"`) to any token, admin or tenant: universe elements are created, ' +
  'changed, archived and restored on the Hub by platform admins, and reach this instance from there.';

/**
 * The universe as this instance holds it (API.md, Universe), for any token,
 * admin or tenant: read-only, with `level: "universe"`. Archived elements are
 * hidden (404) unless an admin asks with `includeArchived=true`. Writes are
 * refused with 403 (problem+json) whoever asks.
 */
@ApiTags('universe')
@ApiBearerAuth()
@Controller('universe')
export class UniverseController {
  constructor(private readonly reader: UniverseReader) {}

  @Get(':utype')
  @ApiParam(TYPE_PARAM)
  @ApiOkResponse({ type: UniverseElementPageDto })
  @ApiOperation({
    summary: 'List universe elements of a type',
    description: `Any token. Oldest first, cursor-paged. ${READ_ONLY}`,
  })
  async list(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('utype', TYPE) type: UniverseElementType,
    @Query() query: ListUniverseQueryDto,
  ): Promise<Page<UniverseElementDto>> {
    if (query.includeArchived) requireAdmin(principal, 'Listing archived universe elements');
    const page = await this.reader.list(type, query);
    return { items: page.items.map(toDto), cursor: page.cursor };
  }

  @Get(':utype/:key')
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: UniverseElementDto })
  @ApiOperation({
    summary: 'Get a universe element',
    description: `Any token. The current revision; an archived element is 404 unless an admin asks with \`includeArchived=true\`. ${READ_ONLY}`,
  })
  async get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('utype', TYPE) type: UniverseElementType,
    @Param('key', KEY) key: string,
    @Query() query: GetUniverseQueryDto,
  ): Promise<UniverseElementDto> {
    if (query.includeArchived) requireAdmin(principal, 'Reading archived universe elements');
    const row = await this.reader.find(type, key, { includeArchived: query.includeArchived ?? false });
    if (!row) throw DomainException.notFound('The universe element');
    return toDto(row);
  }

  /** Every write under /universe, whoever asks (after authentication): the universe changes on the Hub only. */
  @Post(':utype')
  @ApiParam(TYPE_PARAM)
  @ApiProblem(403, `forbidden: ${READ_ONLY}`)
  @ApiOperation({ summary: 'Create a universe element: refused (403)', description: REFUSED })
  refuseCreate(): never {
    throw DomainException.forbidden(READ_ONLY);
  }

  @Put(':utype/:key')
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiProblem(403, `forbidden: ${READ_ONLY}`)
  @ApiOperation({ summary: 'Change a universe element: refused (403)', description: REFUSED })
  refuseReplace(): never {
    throw DomainException.forbidden(READ_ONLY);
  }

  @Patch(':utype/:key')
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiProblem(403, `forbidden: ${READ_ONLY}`)
  @ApiOperation({ summary: 'Patch a universe element: refused (403)', description: REFUSED })
  refusePatch(): never {
    throw DomainException.forbidden(READ_ONLY);
  }

  @Delete(':utype/:key')
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiProblem(403, `forbidden: ${READ_ONLY}`)
  @ApiOperation({ summary: 'Archive a universe element: refused (403)', description: REFUSED })
  refuseArchive(): never {
    throw DomainException.forbidden(READ_ONLY);
  }

  @Post(':utype/:key/restore')
  @ApiParam(TYPE_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiProblem(403, `forbidden: ${READ_ONLY}`)
  @ApiOperation({ summary: 'Restore a universe element: refused (403)', description: REFUSED })
  refuseRestore(): never {
    throw DomainException.forbidden(READ_ONLY);
  }
}

function toDto(row: UniverseElementRow): UniverseElementDto {
  return {
    id: row.id,
    elementType: row.elementType,
    key: row.key,
    name: row.name,
    definition: row.definition,
    revision: row.revision,
    level: 'universe',
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
}
