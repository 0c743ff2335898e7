import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';

import { IsDefinition, type JsonObject } from './element-definition.js';

/**
 * The universe element types (Membrane's "Universe": platform-wide public
 * elements every workspace and tenant reads and none changes), as stored on
 * the Hub and on instances: the singular name.
 */
export const UNIVERSE_ELEMENT_TYPES = [
  'connector',
  'external-app',
  'action',
  'flow',
  'field-mapping',
  'data-source',
] as const;
export type UniverseElementType = (typeof UNIVERSE_ELEMENT_TYPES)[number];

/** The API paths (`/universe/{utype}`) of the universe element types (API.md, Universe). */
export const UNIVERSE_PATHS = {
  connectors: 'connector',
  'external-apps': 'external-app',
  actions: 'action',
  flows: 'flow',
  'field-mappings': 'field-mapping',
  'data-sources': 'data-source',
} as const satisfies Record<string, UniverseElementType>;
export type UniversePath = keyof typeof UNIVERSE_PATHS;

/** A universe element key: like an element key (letters, digits, `.`, `_`, `-`; at most 100). */
export const UNIVERSE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** At most this many elements in one universe snapshot (one NATS message; see `MAX_UNIVERSE_ELEMENTS` in the Hub). */
export const MAX_UNIVERSE_ELEMENTS = 10_000;

/** One universe element at its current revision, as the Hub holds it. Timestamps are ISO-8601. */
export class UniverseSnapshotElement {
  @IsUUID() id!: string;
  @IsIn(UNIVERSE_ELEMENT_TYPES) type!: UniverseElementType;
  @Matches(UNIVERSE_KEY) key!: string;
  @IsString() @Length(1, 200) name!: string;
  @IsDefinition() definition!: JsonObject;
  @IsInt() @Min(1) revision!: number;
  @IsDateString() createdAt!: string;
  @IsDateString() updatedAt!: string;
  @IsOptional() @IsDateString() archivedAt!: string | null;
}

/**
 * The whole universe as the Hub decided it at `version` (one counter, bumped
 * by every change): every element, archived ones included (instances hide
 * them). `kind` tells it apart from a workspace snapshot under the same
 * signature scheme, so one can never be replayed as the other. An instance
 * applies it only if `version` is newer than what it holds (or the same
 * version with another digest: it drifted).
 */
export class UniverseSnapshot {
  @Equals('universe') kind!: 'universe';
  @IsInt() @Min(0) version!: number;
  @IsArray()
  @ArrayMaxSize(MAX_UNIVERSE_ELEMENTS)
  @ValidateNested({ each: true })
  @Type(() => UniverseSnapshotElement)
  elements!: UniverseSnapshotElement[];
}

/**
 * A universe snapshot as it crosses NATS: with the Hub's Ed25519 signature
 * (base64) over the RFC 8785 canonical form of `{ instanceId, snapshot }`
 * (`SnapshotSigner` in `@switchboard/crypto`), for the one instance it is
 * addressed to. An instance applies nothing it cannot verify.
 */
export class SignedUniverseSnapshot {
  @ValidateNested() @Type(() => UniverseSnapshot) snapshot!: UniverseSnapshot;
  @IsString() @Length(1, 200) signature!: string;
}
