import { Module } from '@nestjs/common';

import { MoveGate, MoveGateHook } from './move-gate.js';
import { MovesHandler } from './moves.handler.js';
import { MovesRepository } from './moves.repository.js';
import { MovesService } from './moves.service.js';

/**
 * This instance's side of moving a workspace to another instance: the steps
 * the Hub asks over NATS, the gate that holds and redirects the requests of a
 * workspace at or after its cutover, and the mapping of a write the capture
 * trigger refused (moveRefusal, which the root module declares to
 * ProblemJsonFilter). Top layer (like `auth/`): it reads credentials before
 * authentication runs; nothing imports it but the root module.
 */
@Module({
  controllers: [MovesHandler],
  providers: [MovesRepository, MovesService, MoveGate, MoveGateHook],
})
export class MovesModule {}
