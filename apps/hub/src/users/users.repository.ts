import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, type ExtraRow, queryRow, queryRows, RowShapeError, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { User } from '../auth/user.entity.js';
import { PersonalAccessToken } from './personal-access-token.entity.js';

const POSITION = { position: 'string' } as const;
const TOKEN_STATE = {
  token_id: 'string',
  revoked_at: 'date?',
  expires_at: 'date?',
  last_used_at: 'date?',
} as const;

/** A user as one of their tokens authenticates them, with that token's id and state. */
export type TokenUser = Columns<User> & ExtraRow<typeof TOKEN_STATE>;
/** A new user: the columns the caller decides. */
export type NewUser = Pick<Columns<User>, 'email' | 'name' | 'isPlatformAdmin'>;
/** A new token: the columns the caller decides (only the token's hash and prefix, never the token). */
export type NewToken = Pick<Columns<PersonalAccessToken>, 'userId' | 'name' | 'prefix' | 'tokenHash' | 'expiresAt'>;

/** All SQL of platform users and their personal access tokens (tables `users`, `personal_access_tokens`). */
@Injectable()
export class UsersRepository {
  private readonly users: Table<User>;
  private readonly tokens: Table<PersonalAccessToken>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.users = Table.of(dataSource, User);
    this.tokens = Table.of(dataSource, PersonalAccessToken);
  }

  /** Takes the bootstrap lock for the rest of the caller's transaction: one bootstrap at a time across replicas. */
  async lockBootstrap(manager: EntityManager): Promise<void> {
    await manager.query("SELECT pg_advisory_xact_lock(hashtext('switchboard.bootstrap-admin'))");
  }

  /** Whether the Hub has any user. */
  async anyUser(manager: EntityManager): Promise<boolean> {
    return (await queryRow(manager, 'SELECT 1 AS one FROM users LIMIT 1', [], { one: 'number' })) !== null;
  }

  /** Whether a user has this (lower-cased) email. */
  async emailTaken(manager: EntityManager, email: string): Promise<boolean> {
    return (
      (await queryRow(manager, 'SELECT 1 AS one FROM users WHERE email = $1', [email], { one: 'number' })) !== null
    );
  }

  /** A new user, as stored. @throws the unique violation of `users.email` when taken meanwhile. */
  async insert(manager: EntityManager, user: NewUser): Promise<Columns<User>> {
    const row = await this.users.queryOne(
      manager,
      `INSERT INTO users (email, name, is_platform_admin) VALUES ($1, $2, $3) RETURNING ${this.users.columns}`,
      [user.email, user.name, user.isPlatformAdmin],
    );
    if (!row) throw new RowShapeError('users', '*', 'the inserted row', undefined);
    return row;
  }

  /** A new personal access token, as stored. */
  async insertToken(manager: EntityManager, token: NewToken): Promise<Columns<PersonalAccessToken>> {
    const row = await this.tokens.queryOne(
      manager,
      `INSERT INTO personal_access_tokens (user_id, name, prefix, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${this.tokens.columns}`,
      [token.userId, token.name, token.prefix, token.tokenHash, token.expiresAt],
    );
    if (!row) throw new RowShapeError('personal_access_tokens', '*', 'the inserted row', undefined);
    return row;
  }

  /** The token with this SHA-256 (hex) joined with its user, in one round trip; null when there is none. */
  async findByTokenHash(hash: string): Promise<TokenUser | null> {
    return this.users.queryOne(
      this.dataSource,
      `SELECT t.id AS token_id, t.revoked_at, t.expires_at, t.last_used_at, ${this.users.columnsOf('u')}
       FROM personal_access_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1`,
      [hash],
      TOKEN_STATE,
    );
  }

  /**
   * Replaces the user's platform permissions: the user as it is now, or `null` when there is no such user.
   * @throws RowShapeError when the row does not match the entity.
   */
  async setPermissions(manager: EntityManager, id: string, permissions: string[]): Promise<Columns<User> | null> {
    return this.users.queryOne(
      manager,
      `UPDATE users SET permissions = $2::jsonb, updated_at = now() WHERE id = $1 RETURNING ${this.users.columns}`,
      [id, JSON.stringify(permissions)],
    );
  }

  /** Records that the token was used at `at`. */
  async touchLastUsed(tokenId: string, at: Date): Promise<void> {
    await this.dataSource.query('UPDATE personal_access_tokens SET last_used_at = $2 WHERE id = $1', [tokenId, at]);
  }

  /** Revokes the user's token if active; the hashes of the tokens revoked (none or one). */
  async revokeToken(userId: string, tokenId: string, at: Date): Promise<string[]> {
    const rows = await queryRows(
      this.dataSource,
      `UPDATE personal_access_tokens SET revoked_at = $3
       WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING token_hash`,
      [tokenId, userId, at],
      { token_hash: 'string' },
    );
    return rows.map((row) => row.token_hash);
  }

  /** Up to `limit` of the user's active tokens, oldest first, after the cursor position `after`. */
  async listActiveTokens(
    userId: string,
    after: CursorPosition | null,
    limit: number,
  ): Promise<(Columns<PersonalAccessToken> & ExtraRow<typeof POSITION>)[]> {
    return this.tokens.query(
      this.dataSource,
      `SELECT ${this.tokens.columns}, to_json(created_at) #>> '{}' AS position
       FROM personal_access_tokens
       WHERE user_id = $1 AND revoked_at IS NULL
         AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at ASC, id ASC
       LIMIT $4`,
      [userId, after?.at ?? null, after?.id ?? null, limit],
      POSITION,
    );
  }
}
