import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, type ExtraRow, queryRow, RowShapeError, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { ORG_ROLES, type OrgRole, parseOrgRole } from '../auth/org-role.js';
import { Org } from './org.entity.js';
import { OrgMember } from './org-member.entity.js';

const POSITION = { position: 'string' } as const;
const MEMBER_USER = { email: 'string', name: 'string' } as const;

/** An org the user belongs to, with the user's role and the cursor position of the membership. */
export type MemberOrg = Columns<Org> & ExtraRow<typeof POSITION> & { role: OrgRole };
/** A membership with the member's email and name. */
export type MemberWithUser = Columns<OrgMember> & ExtraRow<typeof MEMBER_USER>;

/**
 * All SQL of orgs and their memberships (tables `orgs`, `org_members`), scoped
 * by org (and user). Statements that must share the caller's transaction take
 * its EntityManager first.
 */
@Injectable()
export class OrgsRepository {
  private readonly orgs: Table<Org>;
  private readonly members: Table<OrgMember>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.orgs = Table.of(dataSource, Org);
    this.members = Table.of(dataSource, OrgMember);
  }

  /** A new org named `name`. @throws RowShapeError if the row returned does not match the entity. */
  async insert(manager: EntityManager, name: string): Promise<Columns<Org>> {
    const org = await this.orgs.queryOne(
      manager,
      `INSERT INTO orgs (name) VALUES ($1) RETURNING ${this.orgs.columns}`,
      [name],
    );
    if (!org) throw new RowShapeError('orgs', '*', 'the inserted row', undefined);
    return org;
  }

  /** The org, or null; on `manager` when inside the caller's transaction. */
  async findById(orgId: string, manager: EntityManager = this.dataSource.manager): Promise<Columns<Org> | null> {
    return this.orgs.queryOne(manager, `SELECT ${this.orgs.columns} FROM orgs WHERE id = $1`, [orgId]);
  }

  /** Renames the org; the row as it is now, or null when there is no such org. */
  async rename(manager: EntityManager, orgId: string, name: string): Promise<Columns<Org> | null> {
    return this.orgs.queryOne(
      manager,
      `UPDATE orgs SET name = $2, updated_at = now() WHERE id = $1 RETURNING ${this.orgs.columns}`,
      [orgId, name],
    );
  }

  /** Up to `limit` of the user's orgs in the order the user joined them, after the cursor position `after`. */
  async listForUser(userId: string, after: CursorPosition | null, limit: number): Promise<MemberOrg[]> {
    const rows = await this.orgs.query(
      this.dataSource,
      `SELECT ${this.orgs.columnsOf('o')}, m.role, to_json(m.created_at) #>> '{}' AS position
       FROM org_members m JOIN orgs o ON o.id = m.org_id
       WHERE m.user_id = $1 AND ($2::timestamptz IS NULL OR (m.created_at, m.org_id) > ($2::timestamptz, $3::uuid))
       ORDER BY m.created_at ASC, m.org_id ASC
       LIMIT $4`,
      [userId, after?.at ?? null, after?.id ?? null, limit],
      { ...POSITION, role: 'string' },
    );
    return rows.map((row) => ({ ...row, role: orgRole(row.role) }));
  }

  /** The user's role in the org, or null when not a member. */
  async roleOf(orgId: string, userId: string): Promise<OrgRole | null> {
    const row = await queryRow(
      this.dataSource,
      'SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2',
      [orgId, userId],
      { role: 'string' },
    );
    return row && orgRole(row.role);
  }

  /** Makes the user a member with `role`; the membership as stored. */
  async insertMember(
    manager: EntityManager,
    orgId: string,
    userId: string,
    role: OrgRole,
  ): Promise<Columns<OrgMember>> {
    const member = await this.members.queryOne(
      manager,
      `INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, $3) RETURNING ${this.members.columns}`,
      [orgId, userId, role],
    );
    if (!member) throw new RowShapeError('org_members', '*', 'the inserted row', undefined);
    return member;
  }

  /** Whether the user is a member of the org. */
  async isMember(orgId: string, userId: string): Promise<boolean> {
    return (await this.roleOf(orgId, userId)) !== null;
  }

  /** Up to `limit` of the org's members in the order they joined, after the cursor position `after`. */
  async listMembers(
    orgId: string,
    after: CursorPosition | null,
    limit: number,
  ): Promise<(MemberWithUser & ExtraRow<typeof POSITION>)[]> {
    return this.members.query(
      this.dataSource,
      `SELECT ${this.members.columnsOf('m')}, u.email, u.name, to_json(m.created_at) #>> '{}' AS position
       FROM org_members m JOIN users u ON u.id = m.user_id
       WHERE m.org_id = $1 AND ($2::timestamptz IS NULL OR (m.created_at, m.user_id) > ($2::timestamptz, $3::uuid))
       ORDER BY m.created_at ASC, m.user_id ASC
       LIMIT $4`,
      [orgId, after?.at ?? null, after?.id ?? null, limit],
      { ...MEMBER_USER, ...POSITION },
    );
  }

  /**
   * Every membership of the org, locked for the caller's transaction (two
   * owners demoting each other at once must not both succeed), with each
   * member's email and name.
   */
  async lockMembers(manager: EntityManager, orgId: string): Promise<MemberWithUser[]> {
    return this.members.query(
      manager,
      `SELECT ${this.members.columnsOf('m')}, u.email, u.name
       FROM org_members m JOIN users u ON u.id = m.user_id
       WHERE m.org_id = $1 FOR UPDATE OF m`,
      [orgId],
      MEMBER_USER,
    );
  }

  /** Sets a member's role. */
  async setRole(manager: EntityManager, orgId: string, userId: string, role: OrgRole): Promise<void> {
    await manager.query('UPDATE org_members SET role = $3 WHERE org_id = $1 AND user_id = $2', [orgId, userId, role]);
  }

  /** Removes a member. */
  async deleteMember(manager: EntityManager, orgId: string, userId: string): Promise<void> {
    await manager.query('DELETE FROM org_members WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  }

  /** How many owners the org has. */
  async countOwners(manager: EntityManager, orgId: string): Promise<number> {
    const row = await queryRow(
      manager,
      "SELECT count(*)::int AS n FROM org_members WHERE org_id = $1 AND role = 'owner'",
      [orgId],
      { n: 'number' },
    );
    // count(*) without GROUP BY always yields its one row.
    return row?.n ?? 0;
  }

  /** A platform user's email and name, or null (to add them as a member). */
  async findUser(userId: string): Promise<ExtraRow<typeof MEMBER_USER> | null> {
    return queryRow(this.dataSource, 'SELECT email, name FROM users WHERE id = $1', [userId], MEMBER_USER);
  }
}

/** A role as stored; anything else is a row of another shape. */
function orgRole(value: string): OrgRole {
  const role = parseOrgRole(value);
  if (!role) throw new RowShapeError('org_members', 'role', ORG_ROLES.join(' | '), value);
  return role;
}
