import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, DomainException, Idempotent } from '@switchboard/server';

import { Access, orgOfWorkspaceIn } from '../auth/access.decorator.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { DrainStartedDto, StartMoveDto, WorkspaceMoveDto } from './moves.dto.js';
import { MovesService } from './moves.service.js';

@ApiTags('org-workspaces')
@Controller('org-workspaces')
export class MovesController {
  constructor(private readonly moves: MovesService) {}

  // An org owner may move a workspace only to an instance accepting new workspaces: the service decides.
  @Access('org owner or platform admin', orgOfWorkspaceIn('id'))
  @Idempotent()
  @ApiProblem(403, 'forbidden: the instance takes no new workspaces (org owners), or this needs the org owner.')
  @ApiProblem(
    409,
    'conflict: the workspace is on that instance already, a move of it is running, the target is being drained, ' +
      'or the keyrings differ; ' +
      'no_instance_available: the target instance is down (no heartbeat within HUB_INSTANCE_DOWN_AFTER_MS); ' +
      'instance_schema_mismatch: the two instances are at different schema levels, or one has not reported its ' +
      'level (`schemaLevel` on GET /instances).',
  )
  @Post(':id/move')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WorkspaceMoveDto, description: 'The move, started; follow it with GET.' })
  @ApiOperation({
    summary: 'Move a workspace to another instance',
    description:
      'Starts an online move: the source keeps serving while its rows are copied and caught up; at the cutover ' +
      'writes wait (about a second at most), the workspace is placed on the target (new `apiUrl`, new config ' +
      'version) and the source answers `307` to the target. Platform admins; org owners to an instance with ' +
      '`acceptsNewWorkspaces`. An archived workspace may be moved. Both instances must be at the same schema ' +
      'level (`schemaLevel` on GET /instances); a move during which one of them changes level fails, the source ' +
      'keeping the workspace.',
  })
  start(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: StartMoveDto,
  ): Promise<WorkspaceMoveDto> {
    return this.moves.start(principal.user, id, body.instanceId);
  }

  @Access('org member', orgOfWorkspaceIn('id'))
  @Get(':id/move')
  @ApiOkResponse({ type: WorkspaceMoveDto })
  @ApiOperation({
    summary: "The workspace's latest move",
    description:
      'Where the latest move of the workspace is: its state, rows copied, write pause and error. 404 if it was never moved.',
  })
  latest(@Param('id', new ParseUUIDPipe()) id: string): Promise<WorkspaceMoveDto> {
    return this.moves.latest(id);
  }

  @Access('org owner or platform admin', orgOfWorkspaceIn('id'))
  @Idempotent()
  @ApiProblem(409, 'conflict: no move is running, or it is at or past its cutover.')
  @Post(':id/move/abort')
  @HttpCode(200)
  @ApiOkResponse({ type: WorkspaceMoveDto, description: 'The move, aborted; the source stays authoritative.' })
  @ApiOperation({
    summary: "Abort a workspace's move",
    description:
      "Before the cutover only: the move stops, the target's partial copy is deleted and the source goes on serving.",
  })
  abort(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<WorkspaceMoveDto> {
    return this.moves.abort(principal.user, id);
  }
}

@ApiTags('instances')
@Controller('instances')
export class DrainController {
  constructor(private readonly moves: MovesService) {}

  @Access('platform admin')
  @Idempotent()
  @ApiProblem(404, 'not_found: no such instance.')
  @ApiProblem(
    409,
    'conflict: a workspace is moving onto the instance (wait for that move, or abort it); ' +
      'no_instance_available: no other instance is up and accepting new workspaces; instance_schema_mismatch: ' +
      "some are, but none at this instance's schema level (or its level is unknown).",
  )
  @Post(':id/drain')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: DrainStartedDto })
  @ApiOperation({
    summary: 'Drain an instance',
    description:
      'Stops the instance taking new workspaces and starts moving each of its workspaces to the least loaded other ' +
      'instance that is up and accepts new workspaces and is at its schema level. Progress: `drain` on `GET /instances`. ' +
      'A refused drain (409: no move started) changes nothing: the instance takes new workspaces as before.',
  })
  drain(@Param('id') id: string): Promise<DrainStartedDto> {
    // An id no instance may have (see INSTANCE_ID) is simply not found.
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) throw DomainException.notFound('The instance');
    return this.moves.drain(id);
  }
}
