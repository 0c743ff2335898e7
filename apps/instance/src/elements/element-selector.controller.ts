import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, DomainException, Idempotent } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { CurrentElementType, ELEMENT_TYPE_NAMES, type ElementType } from './element-type.js';
import {
  ElementDto,
  ElementSelectorQueryDto,
  MERGE_RULE_DOC,
  PatchElementDto,
  UpdateElementDto,
} from './elements.dto.js';
import { type ElementSelector, ElementsService } from './elements.service.js';

/** The element a selector query names: exactly one of `key` and `id`. */
function selectorOf(query: ElementSelectorQueryDto): ElementSelector {
  if ((query.key === undefined) === (query.id === undefined)) {
    throw DomainException.validation('Name the element by exactly one of key and id.', [
      { field: query.key === undefined ? 'key' : 'id', message: 'exactly one of key and id is needed' },
    ]);
  }
  return query.key !== undefined ? { key: query.key } : { id: query.id! };
}

const SAME_AS = (route: string) => `Named by \`?key=\` or \`?id=\` (exactly one); otherwise the same as ${route}.`;

/**
 * One element addressed by a selector object, as Membrane's SDK sends it:
 * `sdk.action({ key })` reads `GET /action?key=…` (the singular path) and
 * writes `PATCH /action?key=…`, `POST /action/restore?key=…`, …, while
 * `sdk.action('key-or-id')` uses `/actions/key-or-id`. The rules are those
 * of the plural routes.
 */
@ApiTags('elements')
@ApiBearerAuth()
@ApiProblem(404, 'not_found: no element matches `?key=` or `?id=`, or the caller may not see it.')
@Controller(ELEMENT_TYPE_NAMES)
export class ElementSelectorController {
  constructor(private readonly elements: ElementsService) {}

  @Get()
  @ApiOperation({
    summary: 'One element by `?key=` or `?id=` (exactly one)',
    description: `The same as GET /{type}/{key}. ${MERGE_RULE_DOC}`,
  })
  @ApiOkResponse({ type: ElementDto })
  get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Query() query: ElementSelectorQueryDto,
  ): Promise<ElementDto> {
    return this.elements.get(principal, type, selectorOf(query));
  }

  @Put()
  @ApiOperation({ summary: 'A new revision of the template', description: SAME_AS('PUT /{type}/{key} (admin)') })
  @ApiOkResponse({ type: ElementDto })
  @ApiProblem(409, 'conflict: the element is archived; restore it first.')
  update(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Query() query: ElementSelectorQueryDto,
    @Body() body: UpdateElementDto,
  ): Promise<ElementDto> {
    return this.elements.update(principal, type, selectorOf(query), body);
  }

  @Patch()
  @ApiOperation({
    summary: "Patch the template (admin) or the calling tenant's customisation (tenant)",
    description: `${SAME_AS('PATCH /{type}/{key}')} ${MERGE_RULE_DOC}`,
  })
  @ApiOkResponse({ type: ElementDto })
  @ApiProblem(409, 'conflict: the element is archived; restore it first.')
  patch(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Query() query: ElementSelectorQueryDto,
    @Body() body: PatchElementDto,
  ): Promise<ElementDto> {
    return this.elements.patch(principal, type, selectorOf(query), body);
  }

  @Delete()
  @ApiOperation({ summary: 'Archive the template', description: SAME_AS('DELETE /{type}/{key} (admin)') })
  @ApiOkResponse({ type: ElementDto })
  archive(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Query() query: ElementSelectorQueryDto,
  ): Promise<ElementDto> {
    return this.elements.setArchived(principal, type, selectorOf(query), true);
  }

  @Post('restore')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Undo the archive', description: SAME_AS('POST /{type}/{key}/restore (admin)') })
  @ApiOkResponse({ type: ElementDto })
  restore(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Query() query: ElementSelectorQueryDto,
  ): Promise<ElementDto> {
    return this.elements.setArchived(principal, type, selectorOf(query), false);
  }

  @Post('reset')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: "Reset the calling tenant's customisation",
    description: SAME_AS('POST /{type}/{key}/reset (tenant)'),
  })
  @ApiOkResponse({ type: ElementDto })
  reset(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Query() query: ElementSelectorQueryDto,
  ): Promise<ElementDto> {
    return this.elements.resetCustomization(principal, type, selectorOf(query));
  }
}
