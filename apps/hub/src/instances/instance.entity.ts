import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An instance as registered over NATS; `up`/`down` comes from `lastSeenAt`. */
@Entity('instances')
export class Instance {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'api_url', type: 'text' }) apiUrl!: string;
  @Column({ name: 'last_seen_at', type: 'timestamptz' }) lastSeenAt!: Date;
  @Column({ name: 'accepts_new_workspaces', type: 'boolean', default: true }) acceptsNewWorkspaces!: boolean;
  @Column({ type: 'jsonb', default: () => "'{}'" }) labels!: Record<string, string>;
  /** The versions of the instance's `ENCRYPTION_KEYS`, as it reported them when it registered (null: never reported). */
  @Column({ name: 'key_ids', type: 'jsonb', nullable: true }) keyIds!: string[] | null;
  /** The universe version the instance last reported holding (0: none yet). */
  @Column({ name: 'universe_version', type: 'integer', default: 0 }) universeVersion!: number;
  /** The digest of the universe it reported holding (null: none yet). */
  @Column({ name: 'universe_digest', type: 'text', nullable: true }) universeDigest!: string | null;
  /**
   * The latest migration applied to the instance's database (`SCHEMA_LEVEL` in `@switchboard/contracts`), as
   * it last reported it (null: never reported, unknown). Moves need the same on both sides (`schemaMismatch`).
   */
  @Column({ name: 'schema_level', type: 'text', nullable: true }) schemaLevel!: string | null;
  @CreateDateColumn({ name: 'registered_at', type: 'timestamptz' }) registeredAt!: Date;
}
