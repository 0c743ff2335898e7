import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { DomainException } from '@switchboard/server';

import { CurrentPrincipal } from './current-principal.decorator.js';
import { requireAdmin } from './require-admin.js';
import { TenantFieldsValidator } from './tenant-fields.validator.js';
import type { Workspace } from './workspace.entity.js';
import { WorkspaceCache } from './workspace-cache.js';
import type { WorkspacePrincipal } from './workspace-principal.js';
import { WorkspacesRepository } from './workspaces.repository.js';

export class WorkspaceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) webhookUri!: string | null;
  @ApiProperty({ type: [String] }) publicKeys!: string[];
  @ApiProperty() configVersion!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) tenantFieldSchema!: Record<
    string,
    unknown
  > | null;
}

@ApiTags('workspace')
@ApiBearerAuth()
@Controller('workspace')
export class WorkspaceController {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly fieldsValidator: TenantFieldsValidator,
    private readonly cache: WorkspaceCache,
  ) {}

  /** The workspace as this instance holds it. Admin tokens only. */
  @Get()
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiOperation({
    summary: 'The workspace',
    description:
      'Admin tokens only: the workspace as this instance holds it (its configuration from the Hub and its tenant field schema).',
  })
  get(@CurrentPrincipal() principal: WorkspacePrincipal): WorkspaceDto {
    requireAdmin(principal, 'Reading the workspace');
    return toWorkspaceDto(principal.workspace);
  }

  /**
   * A JSON Schema that tenant `fields` must satisfy from now on, in tokens,
   * creates and updates. The instance owns it: snapshots from the Hub leave it alone.
   */
  @Put('tenant-field-schema')
  @ApiBody({
    schema: { type: 'object', additionalProperties: true, description: 'A JSON Schema (draft 7 / 2019-09).' },
  })
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiOperation({
    summary: 'Set the tenant field schema',
    description:
      'Admin tokens only. A JSON Schema that tenant `fields` must satisfy from now on, in tokens, creates and updates; the instance owns it, snapshots from the Hub leave it alone.',
  })
  async putTenantFieldSchema(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Body() schema: Record<string, unknown>,
  ): Promise<WorkspaceDto> {
    requireAdmin(principal, 'Changing the tenant field schema');
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw DomainException.validation('The body must be a JSON Schema object.', [
        { field: 'schema', message: 'must be an object' },
      ]);
    }
    this.fieldsValidator.assertSchema(schema);
    await this.workspaces.setTenantFieldSchema(principal.workspace.id, schema);
    this.cache.invalidate(principal.workspace.key);
    return toWorkspaceDto({ ...principal.workspace, tenantFieldSchema: schema });
  }
}

function toWorkspaceDto(workspace: Workspace): WorkspaceDto {
  return {
    id: workspace.id,
    key: workspace.key,
    name: workspace.name,
    settings: workspace.settings,
    webhookUri: workspace.webhookUri,
    publicKeys: workspace.publicKeys,
    configVersion: workspace.configVersion,
    tenantFieldSchema: workspace.tenantFieldSchema,
  };
}
