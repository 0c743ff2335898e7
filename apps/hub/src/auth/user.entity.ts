import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A platform permission a platform admin may grant (API.md, Switch Account). */
export const PLATFORM_PERMISSIONS = ['switch_account'] as const;
export type PlatformPermission = (typeof PLATFORM_PERMISSIONS)[number];

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text', unique: true }) email!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'is_platform_admin', type: 'boolean', default: false }) isPlatformAdmin!: boolean;
  /** Granted platform permissions (PLATFORM_PERMISSIONS), each at most once. */
  @Column({ type: 'jsonb', default: () => "'[]'" }) permissions!: PlatformPermission[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
