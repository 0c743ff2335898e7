import { Body, Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, BodyLimit } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { TRANSFER_BODY_LIMIT_BYTES } from './transfer-document.js';
import { ExportQueryDto, ImportQueryDto, ImportResultDto, TransferDocumentDto } from './workspace-transfer.dto.js';
import { WorkspaceTransferService } from './workspace-transfer.service.js';

/**
 * `GET /workspace/export` and `POST /workspace/import` (API.md, "Workspace
 * export and import"): admin tokens only (403 otherwise).
 */
@ApiTags('workspace')
@ApiBearerAuth()
@Controller('workspace')
export class WorkspaceTransferController {
  constructor(private readonly transfer: WorkspaceTransferService) {}

  /** The export document, as canonical JSON text (sent as it is, so its bytes are the same on every instance). */
  @Get('export')
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOkResponse({ type: TransferDocumentDto })
  @ApiOperation({
    summary: 'Export the workspace',
    description:
      'Admin tokens only. One JSON document of what an admin sets on this instance: the tenant field schema, ' +
      'integrations (never a client secret) with their `connectorKey`, workspace templates of every type with every ' +
      'revision, the published one (`publishedRevision`; later ones are drafts) and the universe parent they are laid ' +
      'over (`parentKey`), and with `includeTenants=true` tenants with their parent (`parentInternalId`), ' +
      'customisations (by type and key), own elements, canary pins and live event subscriptions (never credentials, ' +
      'connections, API keys or tokens). Document version 2. Universe elements are not ' +
      "exported: they are the platform's, on every instance. No ids or timestamps, keys " +
      'sorted (RFC 8785) and lists in a fixed order: the same configuration gives the same bytes on any instance.',
  })
  export(@CurrentPrincipal() principal: WorkspacePrincipal, @Query() query: ExportQueryDto): Promise<string> {
    return this.transfer.export(principal, query.includeTenants ?? false);
  }

  /** Imports a document made by `GET /workspace/export`, in one transaction; or, with `dryRun=true`, only reports. */
  @Post('import')
  @HttpCode(200)
  @BodyLimit(TRANSFER_BODY_LIMIT_BYTES)
  @ApiBody({ type: TransferDocumentDto })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiOperation({
    summary: 'Import a workspace export',
    description:
      'Admin tokens only. Applies an export document in one transaction, all or nothing: items missing here are ' +
      'created (an element with its whole revision history), items that differ are updated (an element gets new ' +
      "revisions holding the document's published revision and draft), nothing is deleted, and no secret is touched " +
      '(an integration keeps its client secret). Importing ' +
      'the same document again reports everything `unchanged` and writes nothing. With `dryRun=true` nothing is ' +
      'written. Tenants are linked to parents of the same document by `internalId`, once all exist; a subscription a ' +
      'tenant lacks (by event type and webhook URI) is created, none deleted. Versions 1 and 2 are read (a version-1 ' +
      'document leaves links and subscriptions alone). A document that is not valid, or of another format version, ' +
      "is a 400 naming the JSON Pointer of each problem, as is a `parentKey` this instance's universe lacks, a " +
      '`connectorKey` naming no connector, an unknown parent or a cycle of parents, or a webhook URI the outbound ' +
      'policy refuses; one over 16 MiB is a 413. A key the workspace holds at the other level (a template key given ' +
      'to a tenant-level element, or the reverse), a tenant made a child that keeps children the document does not ' +
      'name, or more subscriptions than a tenant may hold is a 409.',
  })
  @ApiProblem(
    409,
    "conflict: a key of the document is the other level's in this workspace (template or tenant's own), a link " +
      "deeper than one level with this workspace's other tenants, or a tenant's subscriptions over their cap.",
  )
  @ApiProblem(413, 'payload_too_large: the document is over 16 MiB.')
  import(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: ImportQueryDto,
    @Body() body: unknown,
  ): Promise<ImportResultDto> {
    return this.transfer.import(principal, body, query.dryRun ?? false);
  }
}
