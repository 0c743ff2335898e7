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
      'integrations (never a client secret), elements with every revision, and with `includeTenants=true` tenants ' +
      'and their customisations (never credentials, connections, API keys or tokens). No ids or timestamps, keys ' +
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
      'created (an element with its whole revision history), items that differ are updated (an element gets a new ' +
      'revision), nothing is deleted, and no secret is touched (an integration keeps its client secret). Importing ' +
      'the same document again reports everything `unchanged` and writes nothing. With `dryRun=true` nothing is ' +
      'written. A document that is not valid, or of another format version, is a 400 naming the JSON Pointer of ' +
      'each problem; one over 16 MiB is a 413.',
  })
  @ApiProblem(413, 'payload_too_large: the document is over 16 MiB.')
  import(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: ImportQueryDto,
    @Body() body: unknown,
  ): Promise<ImportResultDto> {
    return this.transfer.import(principal, body, query.dryRun ?? false);
  }
}
