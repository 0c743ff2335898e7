import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblem,
  decodeCursor,
  DomainException,
  type Page,
  pageLimit,
  PageQueryDto,
  toPage,
} from '@switchboard/server';

import { Access } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import type { Instance } from './instance.entity.js';
import { InstanceDto, UpdateInstanceDto } from './instances.dto.js';
import { InstancesRepository } from './instances.repository.js';
import { InstancesService } from './instances.service.js';

const INSTANCE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The instance registry: platform admins only. */
@ApiTags('instances')
@Controller('instances')
export class InstancesController {
  constructor(
    private readonly repository: InstancesRepository,
    private readonly instances: InstancesService,
  ) {}

  @Access('platform admin')
  @Get()
  @ApiPageResponse(InstanceDto)
  @ApiOperation({
    summary: 'List instances',
    description:
      'Platform admins only. The registered instances with their status, workspace count, key ids and schema level; cursor-paged.',
  })
  async list(@Query() query: PageQueryDto): Promise<Page<InstanceDto>> {
    const limit = pageLimit(query);
    // Instances are keyed by their INSTANCE_ID, not a UUID: the cursor's id part must be one.
    const after = decodeCursor(query.cursor, (id) => INSTANCE_ID.test(id));
    const rows = await this.repository.listPage(after, limit + 1);
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      (row) => this.toDto(row, row.workspace_count, row.drain_state),
    );
  }

  @Access('platform admin')
  @ApiProblem(404, 'not_found: no instance with this id is registered.')
  @Patch(':id')
  @ApiOkResponse({ type: InstanceDto })
  @ApiOperation({
    summary: "Change an instance's settings",
    description: 'Platform admins only. Whether it accepts new workspaces, and its labels.',
  })
  async update(@Param('id') id: string, @Body() body: UpdateInstanceDto): Promise<InstanceDto> {
    // Instance ids are what INSTANCE_ID allows; anything else names no instance (and never reaches SQL).
    const instance = INSTANCE_ID.test(id) ? await this.repository.findById(id) : null;
    if (!instance) throw DomainException.notFound('The instance');
    if (body.acceptsNewWorkspaces !== undefined) instance.acceptsNewWorkspaces = body.acceptsNewWorkspaces;
    if (body.labels !== undefined) instance.labels = body.labels;
    await this.repository.updateSettings(instance.id, instance.acceptsNewWorkspaces, instance.labels);
    return this.toDto(instance, await this.repository.workspaceCount(id), await this.repository.drainState(id));
  }

  private toDto(instance: Instance, workspaceCount: number, drainState: string | null): InstanceDto {
    return {
      id: instance.id,
      name: instance.name,
      apiUrl: instance.apiUrl,
      status: this.instances.statusOf(instance),
      lastSeenAt: instance.lastSeenAt.toISOString(),
      workspaceCount,
      acceptsNewWorkspaces: instance.acceptsNewWorkspaces,
      labels: instance.labels,
      keyIds: instance.keyIds,
      keyringMismatch: this.instances.keyringMismatch(instance),
      universeVersion: instance.universeVersion,
      schemaLevel: instance.schemaLevel,
      drain:
        drainState === 'draining' || drainState === 'drained' || drainState === 'stalled'
          ? { state: drainState, remaining: workspaceCount }
          : null,
    };
  }
}
