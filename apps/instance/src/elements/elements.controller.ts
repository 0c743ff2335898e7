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
  DeploymentDto,
  ELEMENT_KEY,
  ElementDto,
  ElementPageDto,
  type ElementRevisionDto,
  ElementRevisionPageDto,
  ElementViewQueryDto,
  ListElementsQueryDto,
  MERGE_RULE_DOC,
  PatchElementDto,
  PublishElementDto,
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
const OWNER =
  'An admin token changes a workspace template; a tenant token changes its own element (level `tenant`), and gets 403 for one it can read but not change (a template or a universe element). Universe elements are read-only to everyone.';

/**
 * Connectors, actions, flows, field mappings and data sources: one controller
 * serves all five prefixes, and the prefix that matched is the element type.
 */
@ApiTags('elements')
@ApiBearerAuth()
@Controller(ELEMENT_PATHS)
export class ElementsController {
  constructor(private readonly elements: ElementsService) {}

  @Get()
  @ApiOperation({
    summary: 'Elements of this type, oldest first',
    description: `One element per key, at the level it resolves to. A tenant token lists its views of the live ones. ${MERGE_RULE_DOC} An admin token lists the templates at their latest revision and the universe elements they do not shadow (\`includeArchived\` for archived ones too), or with \`tenantId\` exactly what that tenant sees.`,
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
    summary: "Create a template (admin) or the tenant's own element (tenant) at revision 1",
    description:
      'An admin token creates a workspace template (level `workspace`); a tenant token creates its own element (level `tenant`), which only that tenant sees and changes (admins read it with `?tenantId=`). ' +
      "The key is unique per element type among the workspace's templates and each tenant's own, archived ones included, and a template and a tenant's own element never share a key (409). " +
      '`parentKey` names a live universe element of the same type to lay the definition over (400 otherwise).',
  })
  @ApiCreatedResponse({ type: ElementDto })
  @ApiProblem(
    409,
    "conflict: the key is used (archived elements included), or is a template's or a tenant's own element's.",
  )
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
    description: `A tenant token gets its view (404 if archived). ${MERGE_RULE_DOC} An admin token gets the element at its latest revision over its universe parent (\`isCustomized\` false, no placeholders filled), archived or not, or with \`tenantId\` exactly what that tenant sees.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ElementDto })
  get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
    @Query() query: ElementViewQueryDto,
  ): Promise<ElementDto> {
    return this.elements.get(principal, type, selector, query.tenantId);
  }

  @Put(':key')
  @ApiOperation({
    summary: "A new revision of the template, or of the tenant's own element",
    description: `${OWNER} Replaces the definition (and the name and \`parentKey\`, if given); \`revision\` goes up by one. With \`publish: false\` (templates only) the revision is a draft tenants do not see until \`POST …/publish\`; otherwise it goes live for every tenant. Tenants' customisations stay and apply to what they see. 409 if archived.`,
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
    summary: "Patch the template or the tenant's own element, or the calling tenant's customisation",
    description:
      "Membrane SDK's `patch()`. The `definition` is a JSON Merge Patch (RFC 7396), the rule tenants' views use. " +
      'An admin token patches the template, a tenant token its own element: a new revision whose definition is the current one with the patch applied (and the name, if given), live for every tenant; 409 if archived. ' +
      'A tenant token naming any other element patches its own customisation of it (created if it has none) so that its view changes as if the patch were applied to it, and gets its new view; `name` is refused there (403), since templates stay read-only to tenants. ' +
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
    summary: "Archive the template, or the tenant's own element",
    description: `${OWNER} Tenants stop seeing it (a universe element of the same key shows through); customisations are kept for a restore.`,
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
  @ApiOperation({ summary: 'Undo the archive', description: OWNER })
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
  @ApiOperation({ summary: "The element's history, newest first", description: `${OWNER} Drafts included.` })
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
    summary: 'Roll back: publish an old revision again',
    description: `${OWNER} Without \`tenantIds\`, history only grows: the old revision's name and definition become revision n + 1, live for every tenant (canary pins dropped). With \`tenantIds\` (templates only), the listed tenants are pinned to the old revision itself, as \`POST …/publish\` does. Customisations stay. 404 for a revision or tenant that does not exist; 409 if archived.`,
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
    return this.elements.rollback(principal, type, selector, body.revision, body.tenantIds);
  }

  @Post(':key/publish')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Publish a revision of the template to every tenant, or to some (a canary)',
    description: `${ADMIN} Without \`tenantIds\`, the revision (a draft, or an older one: a rollback) becomes what every tenant sees, and every canary pin is dropped. With \`tenantIds\`, only the listed live tenants of the workspace see it (each pinned to it); the others keep theirs. Customisations stay. Answers the deployment. 404 for a revision or a tenant that does not exist; 409 if archived; 400 for a tenant's own element.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: DeploymentDto })
  @ApiProblem(409, 'conflict: the element is archived.')
  publish(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
    @Body() body: PublishElementDto,
  ): Promise<DeploymentDto> {
    return this.elements.publish(principal, type, selector, body);
  }

  @Get(':key/deployment')
  @ApiOperation({
    summary: 'Which revision of the template tenants see',
    description: `${ADMIN} \`publishedRevision\`, \`latestRevision\` (drafts included), and per revision how many live tenants see it.`,
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: DeploymentDto })
  deployment(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @CurrentElementType() type: ElementType,
    @Param('key', SELECTOR) selector: ElementSelector,
  ): Promise<DeploymentDto> {
    return this.elements.deployment(principal, type, selector);
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
    description: `${TENANT} A partial overlay that replaces any earlier one, on whatever the key resolves to (a template, a universe element, its own element); it stays with the key across revisions and levels. Returns the tenant's new view. ${MERGE_RULE_DOC}`,
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
