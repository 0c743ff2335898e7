import type { JsonObject } from '@switchboard/contracts';
import { Check, Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/**
 * The universe element types (Membrane's "Universe": platform-wide public
 * elements every workspace and tenant reads and none changes), as stored:
 * the singular name, like `element_templates.element_type`.
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

/**
 * One universe element as this instance last applied it from the Hub: the
 * current revision only (the Hub keeps the history). Not scoped to a
 * workspace: every scope reads it; only the universe sync (Hub → instance,
 * signed like workspace snapshots) writes it. `id` is the Hub's.
 */
@Entity('universe_elements')
@Unique('universe_elements_type_key', ['elementType', 'key'])
@Check(
  'universe_elements_element_type',
  `"element_type" IN ('connector', 'external-app', 'action', 'flow', 'field-mapping', 'data-source')`,
)
@Check('universe_elements_revision', `"revision" >= 1`)
export class UniverseElement {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'element_type', type: 'text' }) elementType!: UniverseElementType;
  @Column({ type: 'text' }) key!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb' }) definition!: JsonObject;
  @Column({ type: 'integer' }) revision!: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
}

/**
 * The universe version this instance holds (one row, `id = 1`) and the digest
 * of what it holds, reported to the Hub in the apply ack and at
 * reconciliation, like a workspace's `applied_version` / `applied_digest`.
 */
@Entity('universe_state')
@Check('universe_state_single_row', `"id" = 1`)
export class UniverseState {
  @PrimaryColumn('integer') id!: number;
  @Column({ type: 'bigint' }) version!: string;
  @Column({ type: 'text' }) digest!: string;
  @Column({ name: 'applied_at', type: 'timestamptz' }) appliedAt!: Date;
}
