import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';

import { User } from '../auth/user.entity.js';

/**
 * A mutating POST made with an `Idempotency-Key`, per user: the hash of the
 * request and, once it succeeded, its response — sealed with the keyring,
 * since responses carry secrets and tokens shown only once.
 */
@Entity('idempotency_keys')
export class IdempotencyKey {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' }) userId!: string;
  @PrimaryColumn({ type: 'text' }) key!: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: Relation<User>;
  @Column({ name: 'request_hash', type: 'text' }) requestHash!: string;
  /** Null while the first request is in progress. */
  @Column({ name: 'status_code', type: 'integer', nullable: true }) statusCode!: number | null;
  @Column({ name: 'sealed_response', type: 'text', nullable: true }) sealedResponse!: string | null;
  @Index() @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
