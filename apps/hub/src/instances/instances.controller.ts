import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ApiProblem,
  decodeCursor,
  DomainException,
  type Page,
  pageLimit,
  PageQueryDto,
  toPage,
} from '@switchboard/server';
import { DataSource } from 'typeorm';

import { Access } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { Instance } from './instance.entity.js';
import { InstanceDto, UpdateInstanceDto } from './instances.dto.js';
import { InstancesService } from './instances.service.js';

const INSTANCE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The instance registry: platform admins only. */
@ApiTags('instances')
@Controller('instances')
export class InstancesController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instances: InstancesService,
  ) {}

  @Access('platform admin')
  @Get()
  @ApiPageResponse(InstanceDto)
  async list(@Query() query: PageQueryDto): Promise<Page<InstanceDto>> {
    const limit = pageLimit(query);
    // Instances are keyed by their INSTANCE_ID, not a UUID: the cursor's id part must be one.
    const after = decodeCursor(query.cursor, (id) => INSTANCE_ID.test(id));
    const builder = this.dataSource
      .getRepository(Instance)
      .createQueryBuilder('i')
      .addSelect('(SELECT count(*) FROM org_workspaces w WHERE w.instance_id = i.id)::int', 'workspace_count')
      .addSelect("to_json(i.registered_at) #>> '{}'", 'position')
      .orderBy('i.registeredAt', 'ASC')
      .addOrderBy('i.id', 'ASC')
      .limit(limit + 1);
    if (after) {
      builder.where('(i.registered_at, i.id) > (:at::timestamptz, :id)', { at: after.at, id: after.id });
    }
    const { entities, raw } = await builder.getRawAndEntities<{
      workspace_count: number;
      position: string;
      i_id: string;
    }>();
    const byId = new Map(raw.map((row) => [row.i_id, row]));
    return toPage(
      entities,
      limit,
      (instance) => ({ at: byId.get(instance.id)!.position, id: instance.id }),
      (instance) => this.toDto(instance, byId.get(instance.id)!.workspace_count),
    );
  }

  @Access('platform admin')
  @ApiProblem(404, 'not_found: no instance with this id is registered.')
  @Patch(':id')
  @ApiOkResponse({ type: InstanceDto })
  async update(@Param('id') id: string, @Body() body: UpdateInstanceDto): Promise<InstanceDto> {
    const repository = this.dataSource.getRepository(Instance);
    // Instance ids are what INSTANCE_ID allows; anything else names no instance (and never reaches SQL).
    const instance = INSTANCE_ID.test(id) ? await repository.findOneBy({ id }) : null;
    if (!instance) throw DomainException.notFound('The instance');
    if (body.acceptsNewWorkspaces !== undefined) instance.acceptsNewWorkspaces = body.acceptsNewWorkspaces;
    if (body.labels !== undefined) instance.labels = body.labels;
    await repository.save(instance);
    const count = await this.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM org_workspaces WHERE instance_id = $1',
      [id],
    );
    return this.toDto(instance, count[0].n);
  }

  private toDto(instance: Instance, workspaceCount: number): InstanceDto {
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
    };
  }
}
