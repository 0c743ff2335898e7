import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';

/**
 * The messages of a workspace move (API.md, "Moving a workspace to another
 * instance"). The Hub drives every step as a request to the source or the
 * target instance (it alone may publish on instance subjects, see
 * deploy/nats/nats-server.conf) and relays the rows between them, a bounded
 * chunk at a time: at most MOVE_CHUNK_ROWS rows and about MOVE_CHUNK_BYTES of
 * JSON. Every step is idempotent, so that a Hub that restarts repeats the
 * step it was in. Rows travel as Postgres gives them in JSON (`to_jsonb`):
 * sealed columns stay sealed, under the platform's shared keyring (the Hub
 * checks that the target holds every key version of the source before it
 * starts).
 */
export const MOVE_CHUNK_ROWS = 500;
export const MOVE_CHUNK_BYTES = 512 * 1024;

/**
 * The tables a move copies, parents first, in the order the Hub walks them:
 * the instance's `MOVED_TABLES` (apps/instance/src/moves) describes each, and
 * a test holds the two lists equal.
 */
export const MOVED_TABLE_NAMES = [
  'workspaces',
  'tenants',
  'integrations',
  'connections',
  'element_templates',
  'element_revisions',
  'element_customizations',
  'element_deployments',
  'event_subscriptions',
  'events',
  'event_deliveries',
  'usage_records',
  'balance_entries',
  'tenant_balances',
  'rate_limit_windows',
  'activity_logs',
  'idempotency_keys',
  'tenant_api_keys',
] as const;

const BIGINT = /^\d{1,19}$/;

/** Names a move and its workspace: every request carries both, and an instance refuses a step of another move. */
export class MoveStep {
  @IsUUID() moveId!: string;
  @IsUUID() workspaceId!: string;
}

/** What a step answers when it has nothing more to say. */
export class MoveAck {
  @IsUUID() moveId!: string;
}

/** Source: start recording the workspace's changes (`copying`); answers once every earlier writer has finished. */
export const moveSourceStartContract: Contract<MoveStep, MoveAck> = {
  subject: subjectTemplate('instance.{instanceId}.moves.source-start'),
  request: MoveStep,
  reply: MoveAck,
};

/** Target: make room for the copy (a stale copy of the workspace left by an earlier move is purged) and hold it unserved. */
export const moveTargetPrepareContract: Contract<MoveStep, MoveAck> = {
  subject: subjectTemplate('instance.{instanceId}.moves.target-prepare'),
  request: MoveStep,
  reply: MoveAck,
};

export class MoveExportRequest extends MoveStep {
  @IsString() @Length(1, 63) table!: string;
  /** The primary key of the last row of the previous chunk (column → value), or absent for the first chunk. */
  @IsOptional() @IsObject() after?: Record<string, unknown>;
}

export class MoveExportReply {
  @IsArray() @IsObject({ each: true }) rows!: Record<string, unknown>[];
  /** Where the next chunk starts; absent when this was the table's last. */
  @IsOptional() @IsObject() next?: Record<string, unknown>;
}

/** Source: the next chunk of one table's rows of the workspace, in primary key order. */
export const moveExportContract: Contract<MoveExportRequest, MoveExportReply> = {
  subject: subjectTemplate('instance.{instanceId}.moves.export'),
  request: MoveExportRequest,
  reply: MoveExportReply,
};

/** One row to write (its current state) or to delete (`row` absent) on the target. */
export class MovedRow {
  @IsString() @Length(1, 63) table!: string;
  @IsObject() pk!: Record<string, unknown>;
  @IsOptional() @IsObject() row?: Record<string, unknown>;
  /** In a catch-up: the source's changes this row covers (deleted there once it is written here). */
  @IsOptional() @IsArray() @Matches(BIGINT, { each: true }) changeIds?: string[];
}

export class MoveImportRequest extends MoveStep {
  @IsArray() @ValidateNested({ each: true }) @Type(() => MovedRow) rows!: MovedRow[];
  /**
   * A chunk of the copy (not of the catch-up). Either way a row whose parent
   * the target lacks is left out (and named in the reply): in the copy, its
   * parent was written after the move started (every row older than the start
   * was copied before its children), so both are in the source's change log
   * and arrive with the catch-up.
   */
  @IsOptional() @IsBoolean() copy?: boolean;
}

/** A row the target left out: its parent is not there yet. */
export class SkippedRow {
  @IsString() @Length(1, 63) table!: string;
  @IsObject() pk!: Record<string, unknown>;
}

export class MoveImportReply {
  @IsInt() @Min(0) written!: number;
  /**
   * Rows left out because a parent is missing (see `copy`). In a catch-up
   * their changes stay in the source's log, to be read again after the
   * parent's (one statement may log a child before its parent).
   */
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => SkippedRow) skipped?: SkippedRow[];
}

/** Target: writes (upserts, by primary key) or deletes rows, in order, in one transaction under the workspace's scope. */
export const moveImportContract: Contract<MoveImportRequest, MoveImportReply> = {
  subject: subjectTemplate('instance.{instanceId}.moves.import'),
  request: MoveImportRequest,
  reply: MoveImportReply,
};

export class MoveChangesRequest extends MoveStep {
  /**
   * The changes of the previous reply, now written on the target: the source
   * deletes them. Not a cursor: a change's id is taken when its row is
   * written, so one may become visible (commit) after a higher one was read.
   */
  @IsArray() @Matches(BIGINT, { each: true }) replayed!: string[];
}

export class MoveChangesReply {
  /** The changed rows as they are now (absent `row`: deleted), in the order they first changed. */
  @IsArray() @ValidateNested({ each: true }) @Type(() => MovedRow) rows!: MovedRow[];
  /** The ids of the changes these rows cover: `replayed` of the next request, once written. */
  @IsArray() @Matches(BIGINT, { each: true }) ids!: string[];
  /** Changes recorded and not in this reply. */
  @IsInt() @Min(0) remaining!: number;
}

/** Source: the oldest changes recorded and not yet replayed (catch-up). */
export const moveChangesContract: Contract<MoveChangesRequest, MoveChangesReply> = {
  subject: subjectTemplate('instance.{instanceId}.moves.changes'),
  request: MoveChangesRequest,
  reply: MoveChangesReply,
};

export class MoveFreezeReply extends MoveAck {
  @IsString() frozenAt!: string;
}

/**
 * Source: the cutover. Refuses the workspace's writes from now on (requests
 * wait, see the instance's move gate) and stops its webhook deliveries;
 * answers when every writer that wrote before has committed.
 */
export const moveFreezeContract: Contract<MoveStep, MoveFreezeReply> = {
  subject: subjectTemplate('instance.{instanceId}.moves.freeze'),
  request: MoveStep,
  reply: MoveFreezeReply,
};

export class TableTally {
  @IsString() @Length(1, 63) table!: string;
  @IsInt() @Min(0) count!: number;
  /** MD5 of the count and of the XOR of the 64-bit hashes of the table's rows of the workspace (order-independent). */
  @IsString() @Length(32, 32) checksum!: string;
}

export class MoveTallyReply {
  @IsArray() @ValidateNested({ each: true }) @Type(() => TableTally) tables!: TableTally[];
}

/** Either side: per table, the count and a checksum of the workspace's rows, compared before the Hub flips placement. */
export const moveTallyContract: Contract<MoveStep, MoveTallyReply> = {
  subject: subjectTemplate('instance.{instanceId}.moves.tally'),
  request: MoveStep,
  reply: MoveTallyReply,
};

/** Target: the Hub placed the workspace here; serve it and deliver its events. */
export const moveTargetActivateContract: Contract<MoveStep, MoveAck> = {
  subject: subjectTemplate('instance.{instanceId}.moves.target-activate'),
  request: MoveStep,
  reply: MoveAck,
};

export class MoveSourceFinishRequest extends MoveStep {
  /** The target's API URL: the workspace's requests are answered `307` to the same path there. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }) redirectUrl!: string;
}

export class MoveSourceFinishReply extends MoveAck {
  /** How long the workspace's writes were held, from the freeze to now (the first finish), in milliseconds. */
  @IsInt() @Min(0) @Max(2_147_483_647) writePauseMs!: number;
}

/** Source: the move is done; redirect the workspace's requests to the target and keep the copy until it is purged. */
export const moveSourceFinishContract: Contract<MoveSourceFinishRequest, MoveSourceFinishReply> = {
  subject: subjectTemplate('instance.{instanceId}.moves.source-finish'),
  request: MoveSourceFinishRequest,
  reply: MoveSourceFinishReply,
};

export class MoveDiscardRequest extends MoveStep {
  /**
   * `source-abort`: the move is abandoned before cutover, the source stays
   * authoritative (its change log goes); `target-abort`: the target's partial
   * copy goes; `source-purge`: after the retention, the source's copy goes.
   */
  @IsIn(['source-abort', 'target-abort', 'source-purge']) what!: 'source-abort' | 'target-abort' | 'source-purge';
}

/** Either side: discard what the move left there (see MoveDiscardRequest.what). */
export const moveDiscardContract: Contract<MoveDiscardRequest, MoveAck> = {
  subject: subjectTemplate('instance.{instanceId}.moves.discard'),
  request: MoveDiscardRequest,
  reply: MoveAck,
};
