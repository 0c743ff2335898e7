import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';

import { Instance } from '../instances/instance.entity.js';

/**
 * A universe change still to deliver to one instance (table `universe_outbox`;
 * not the routing outbox of workspace snapshots). Every change writes one row
 * per registered instance, naming the universe version it made; the relay
 * always sends the whole current universe, so an instance's rows coalesce.
 */
@Entity('universe_outbox')
@Index('universe_outbox_pending', ['nextAttemptAt'], { where: 'delivered_at IS NULL' })
export class UniverseOutboxEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id!: string;
  @Index() @Column({ name: 'instance_id', type: 'text' }) instanceId!: string;
  @ManyToOne(() => Instance, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instance_id' })
  instance?: Relation<Instance>;
  @Column({ type: 'integer' }) version!: number;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt!: Date;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
