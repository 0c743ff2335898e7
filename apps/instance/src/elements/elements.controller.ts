import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  type PipeTransform,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblem, DomainException, Idempotent, type Page, PageQueryDto } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { CurrentElementType, ELEMENT_PATHS, type ElementType } from './element-type.js';
import {
  CreateElementDto,
  CustomizationDto,
  CustomizeElementDto,
  ELEMENT_KEY,
  ElementDto,
  ElementPageDto,
  type ElementRevisionDto,
  ElementRevisionPageDto,
  ListElementsQueryDto,
  MERGE_RULE_DOC,
  PatchElementDto,
  RollbackElementDto,
  UpdateElementDto,
} from './elements.dto.js';
import { type ElementSelector, ElementsService } from './elements.service.js';

/** A path segment naming one element: its key or, as Membrane's SDK sends it, its id. */
class ElementSelectorPipe implements PipeTransform<string, ElementSelector> {
  transform(value: string): ElementSelector {
    if (!ELEMENT_KEY.test(value)) {
      throw DomainException.validation('key: is not an element key or id.', [
        { field: 'key', message: 'is not an element key or id' },
      ]);
    }
    return { keyOrId: value };
  }
}

const SELECTOR = new ElementSelectorPipe();
const KEY_PARAM = { name: 'key', description: "The element's key, or its id (as Membrane's SDK sends it)." };
const ADMIN = 'Admin token only; a tenant token gets 403.';
const TENANT = 'Tenant token only; an admin token gets 403.';

/**
 * Actions, flows, field mappings and data sources: one controller serves all
 * four prefixes, and the prefix that matched is the element type.
 */
@ApiTags('elements')
@ApiBearerAuth()
@Controller(ELEMENT_PATHS)
export class ElementsController {
  constructor(private readonly elements: ElementsService) {}

  @Get()
  @ApiOperation({
    summary: 'Elements of this type, oldest first',
    description: `A tenant token lists its views of the live templates. ${MERGE_RULE_DOC} An admin token lists the templates themselves (\`includeArchived\` for archived ones too).`,
  })
  @ApiOkResponse({ type: ElementPageDto })
  list(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Query() query: ListElementsQueryDto,
  ): Promise<Page<ElementDto>> {
    return this.elements.list(principal, type, query);
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({
    summary: 'Create a template at revision 1',
    description: `${ADMIN} The key is unique per workspace and element type, archived ones included (409).`,
  })
  @ApiCreatedResponse({ type: ElementDto })
  @ApiProblem(409, 'conflict: the key is used (archived elements included).')
  create(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Body() body: CreateElementDto,
  ): Promise<ElementDto> {
    return this.elements.create(principal, type, body);
  }

  @Get(':key')
  @ApiOperation({
    summary: 'One element',
    description: `A tenant token gets its view (404 if archived). ${MERGE_RULE_DOC} An admin token gets the template itself (\`isCustomized\` false), archived or not.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
  ): Promise<ElementDto> {
    return this.elements.get(principal, type, selector);
  }

  @Put(':key')
  @ApiOperation({
    summary: 'A new revision of the template',
    description: `${ADMIN} Replaces the definition (and the name, if given); \`revision\` goes up by one. Tenants' customisations stay and apply to the new revision at once. 409 if archived.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  @ApiProblem(409, 'conflict: the element is archived; restore it first.')
  update(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
    @Body() body: UpdateElementDto,
  ): Promise<ElementDto> {
    return this.elements.update(principal, type, selector, body);
  }

  @Patch(':key')
  @ApiOperation({
    summary: "Patch the template (admin) or the calling tenant's customisation (tenant)",
    description:
      "Membrane SDK's `patch()`. The `definition` is a JSON Merge Patch (RFC 7396), the rule tenants' views use. " +
      'An admin token patches the template: a new revision whose definition is the template with the patch applied (and the name, if given); 409 if archived. ' +
      'A tenant token patches its own customisation (created if it has none) so that its view changes as if the patch were applied to it, and gets its new view; `name` is refused (403), since templates stay read-only to tenants. ' +
      `400 when neither \`name\` nor \`definition\` is given, or when the merged definition passes the bounds. ${MERGE_RULE_DOC}`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  @ApiProblem(409, 'conflict: the element is archived; restore it first.')
  patch(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
    @Body() body: PatchElementDto,
  ): Promise<ElementDto> {
    return this.elements.patch(principal, type, selector, body);
  }

  @Delete(':key')
  @ApiOperation({
    summary: 'Archive the template',
    description: `${ADMIN} Tenants stop seeing it; their customisations are kept for a restore.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  archive(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
  ): Promise<ElementDto> {
    return this.elements.setArchived(principal, type, selector, true);
  }

  @Post(':key/restore')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Undo the archive', description: ADMIN })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  restore(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
  ): Promise<ElementDto> {
    return this.elements.setArchived(principal, type, selector, false);
  }

  @Get(':key/revisions')
  @ApiOperation({ summary: "The template's history, newest first", description: ADMIN })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementRevisionPageDto })
  revisions(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
    @Query() query: PageQueryDto,
  ): Promise<Page<ElementRevisionDto>> {
    return this.elements.revisions(principal, type, selector, query);
  }

  @Post(':key/rollback')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Make a new revision equal to an old one',
    description: `${ADMIN} History only grows: the old revision's name and definition become revision n + 1. Customisations stay. 404 for a revision that does not exist; 409 if archived.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  @ApiProblem(409, 'conflict: the element is archived.')
  rollback(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
    @Body() body: RollbackElementDto,
  ): Promise<ElementDto> {
    return this.elements.rollback(principal, type, selector, body.revision);
  }

  @Get(':key/customization')
  @ApiOperation({
    summary: "The calling tenant's own customisation, as written",
    description: `${TENANT} 404 when it has none.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: CustomizationDto })
  getCustomization(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
  ): Promise<CustomizationDto> {
    return this.elements.getCustomization(principal, type, selector);
  }

  @Put(':key/customization')
  @ApiOperation({
    summary: "Set the calling tenant's customisation",
    description: `${TENANT} A partial overlay that replaces any earlier one; returns the tenant's new view. ${MERGE_RULE_DOC}`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  customize(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
    @Body() body: CustomizeElementDto,
  ): Promise<ElementDto> {
    return this.elements.customize(principal, type, selector, body.definition);
  }

  @Delete(':key/customization')
  @ApiOperation({
    summary: "Reset the calling tenant's customisation",
    description: `${TENANT} Returns the tenant's view of the template alone; resetting when there is none is not an error.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  resetCustomization(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
  ): Promise<ElementDto> {
    return this.elements.resetCustomization(principal, type, selector);
  }

  @Post(':key/reset')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: "Reset the calling tenant's customisation (Membrane SDK's `reset()`)",
    description: `${TENANT} The same as DELETE …/customization.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  reset(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
  ): Promise<ElementDto> {
    return this.elements.resetCustomization(principal, type, selector);
  }
}
