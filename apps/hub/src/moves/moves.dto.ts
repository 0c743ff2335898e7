import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

import type { MoveState } from './workspace-move.entity.js';

const MOVE_STATES: MoveState[] = ['copying', 'catching_up', 'cutover', 'done', 'failed', 'aborted'];

export class StartMoveDto {
  @ApiProperty({ description: 'The registered instance to move the workspace to.', example: 'instance-b' })
  @IsString()
  @Length(1, 100)
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: '$property must be an instance id' })
  instanceId!: string;
}

/** A move of a workspace to another instance (API.md, "Moving a workspace to another instance"). */
export class WorkspaceMoveDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() fromInstanceId!: string;
  @ApiProperty() toInstanceId!: string;
  @ApiProperty({
    enum: MOVE_STATES,
    description:
      '`copying` → `catching_up` → `cutover` → `done`; or `failed`, or `aborted` (by `POST …/move/abort` before the cutover).',
  })
  state!: MoveState;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({
    description: 'Rows written to the target by the copy and the catch-up (a chunk retried counts again).',
  })
  rowsCopied!: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: "How long the workspace's writes were held at the cutover, in milliseconds; null before it.",
  })
  writePauseMs!: number | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Why the move failed, or the last error of a step being retried.',
  })
  error!: string | null;
}

export class DrainStartedDto {
  @ApiProperty() instanceId!: string;
  @ApiProperty({ description: 'Moves started by this call (workspaces moving already are left to their move).' })
  started!: number;
}
