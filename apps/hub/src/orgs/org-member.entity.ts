import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';

import type { OrgRole } from '../auth/org-role.js';
import { User } from '../auth/user.entity.js';
import { Org } from './org.entity.js';

@Entity('org_members')
export class OrgMember {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' }) orgId!: string;
  @Index() @PrimaryColumn({ name: 'user_id', type: 'uuid' }) userId!: string;
  @ManyToOne(() => Org, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'org_id' }) org?: Relation<Org>;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: Relation<User>;
  @Column({ type: 'text' }) role!: OrgRole;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
