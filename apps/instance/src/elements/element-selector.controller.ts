import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainException } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { CurrentElementType, ELEMENT_TYPE_NAMES, type ElementType } from './element-type.js';
import { ElementDto, ElementSelectorQueryDto, MERGE_RULE_DOC } from './elements.dto.js';
import { ElementsService } from './elements.service.js';

/**
 * One element addressed by a selector object, as Membrane's SDK sends it:
 * `sdk.action({ key })` reads `GET /action?key=…` (the singular path), while
 * `sdk.action('key-or-id')` reads `GET /actions/key-or-id`.
 */
@ApiTags('elements')
@ApiBearerAuth()
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
    if ((query.key === undefined) === (query.id === undefined)) {
      throw DomainException.validation('Name the element by exactly one of key and id.', [
        { field: query.key === undefined ? 'key' : 'id', message: 'exactly one of key and id is needed' },
      ]);
    }
    return this.elements.get(principal, type, query.key !== undefined ? { key: query.key } : { id: query.id! });
  }
}
