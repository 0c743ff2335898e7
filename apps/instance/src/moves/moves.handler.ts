import { Controller } from '@nestjs/common';
import {
  type MoveAck,
  moveChangesContract,
  type MoveChangesReply,
  MoveChangesRequest,
  moveDiscardContract,
  MoveDiscardRequest,
  moveExportContract,
  type MoveExportReply,
  MoveExportRequest,
  moveFreezeContract,
  type MoveFreezeReply,
  moveImportContract,
  type MoveImportReply,
  MoveImportRequest,
  moveSourceFinishContract,
  type MoveSourceFinishReply,
  MoveSourceFinishRequest,
  moveSourceStartContract,
  MoveStep,
  moveTallyContract,
  type MoveTallyReply,
  moveTargetActivateContract,
  moveTargetPrepareContract,
} from '@switchboard/contracts';
import { HandlesContract } from '@switchboard/server';

import { MovesService } from './moves.service.js';

/** The steps of a workspace move that the Hub asks of this instance (see MovesService); its replicas share the queue group. */
@Controller()
export class MovesHandler {
  constructor(private readonly moves: MovesService) {}

  @HandlesContract(moveSourceStartContract)
  startSource(step: MoveStep): Promise<MoveAck> {
    return this.moves.startSource(step);
  }

  @HandlesContract(moveTargetPrepareContract)
  prepareTarget(step: MoveStep): Promise<MoveAck> {
    return this.moves.prepareTarget(step);
  }

  @HandlesContract(moveExportContract)
  export(request: MoveExportRequest): Promise<MoveExportReply> {
    return this.moves.export(request);
  }

  @HandlesContract(moveImportContract)
  import(request: MoveImportRequest): Promise<MoveImportReply> {
    return this.moves.import(request);
  }

  @HandlesContract(moveChangesContract)
  changes(request: MoveChangesRequest): Promise<MoveChangesReply> {
    return this.moves.changes(request);
  }

  @HandlesContract(moveFreezeContract)
  freeze(step: MoveStep): Promise<MoveFreezeReply> {
    return this.moves.freeze(step);
  }

  @HandlesContract(moveTallyContract)
  tally(step: MoveStep): Promise<MoveTallyReply> {
    return this.moves.tally(step);
  }

  @HandlesContract(moveTargetActivateContract)
  activate(step: MoveStep): Promise<MoveAck> {
    return this.moves.activate(step);
  }

  @HandlesContract(moveSourceFinishContract)
  finish(request: MoveSourceFinishRequest): Promise<MoveSourceFinishReply> {
    return this.moves.finish(request);
  }

  @HandlesContract(moveDiscardContract)
  discard(request: MoveDiscardRequest): Promise<MoveAck> {
    return this.moves.discard(request);
  }
}
