import { type JsonObject, UNIVERSE_ELEMENT_TYPES, type UniverseElementType } from '@switchboard/contracts';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  type Relation,
  Unique,
} from 'typeorm';

const TYPE_CHECK = `"element_type" IN (${UNIVERSE_ELEMENT_TYPES.map((type) => `'${type}'`).join(', ')})`;

/**
 * A universe element (Membrane's "Universe": platform-wide public elements
 * every workspace and tenant reads and none changes) at its current revision;
 * every revision is kept in `universe_element_revisions`. Platform admins
 * change it; every change bumps the one universe version (`universe_state`)
 * and is delivered to every instance. `universeVersion` is the universe
 * version of its last change.
 */
@Entity('universe_elements')
@Unique('universe_elements_type_key', ['elementType', 'key'])
@Check('universe_elements_element_type', TYPE_CHECK)
@Check('universe_elements_revision', `"revision" >= 1`)
export class UniverseElement {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'element_type', type: 'text' }) elementType!: UniverseElementType;
  @Column({ type: 'text' }) key!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb' }) definition!: JsonObject;
  @Column({ type: 'integer' }) revision!: number;
  @Column({ name: 'universe_version', type: 'integer' }) universeVersion!: number;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
}

/** One revision of a universe element, as it was written (the Hub keeps the history; instances hold the current one). */
@Entity('universe_element_revisions')
export class UniverseElementRevision {
  @PrimaryColumn({ name: 'element_id', type: 'uuid' }) elementId!: string;
  @PrimaryColumn({ type: 'integer' }) revision!: number;
  @ManyToOne(() => UniverseElement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'element_id' })
  element?: Relation<UniverseElement>;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb' }) definition!: JsonObject;
  /** The platform admin who wrote it (null once that user is gone). */
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** The universe version (one row, `id = 1`): bumped in the transaction of every universe change. */
@Entity('universe_state')
@Check('universe_state_single_row', `"id" = 1`)
export class UniverseState {
  @PrimaryColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'integer', default: 0 }) version!: number;
}
