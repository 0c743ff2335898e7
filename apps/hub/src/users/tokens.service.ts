import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Columns } from '@switchboard/persistence';
import { decodeCursor, DomainException, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import { DataSource } from 'typeorm';

import type { PersonalAccessToken } from './personal-access-token.entity.js';
import { PersonalAccessTokensService } from './personal-access-tokens.service.js';
import type { CreatedTokenDto, CreateTokenDto, TokenDto } from './tokens.dto.js';
import { UsersRepository } from './users.repository.js';

/**
 * A user's own personal access tokens, as `/users/me/tokens` manages them.
 * Issuing, hashing, revoking and authenticating stay with
 * PersonalAccessTokensService; this is the API's view of them.
 */
@Injectable()
export class TokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly tokens: PersonalAccessTokensService,
  ) {}

  /**
   * A new token for `userId`, its value returned only here.
   * @throws DomainException 400 validation_failed naming `expiresAt` when it is not in the future.
   */
  async create(userId: string, body: CreateTokenDto): Promise<CreatedTokenDto> {
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw DomainException.validation('expiresAt: must be in the future.', [
        { field: 'expiresAt', message: 'must be in the future' },
      ]);
    }
    const { record, token } = await this.tokens.issue(this.dataSource.manager, userId, body.name, expiresAt);
    return { ...toTokenDto(record), token };
  }

  /**
   * `userId`'s active tokens (not revoked), oldest first, a page at a time (API.md, Conventions).
   * @throws DomainException 400 validation_failed for a cursor this API did not return.
   */
  async list(userId: string, query: PageQueryDto): Promise<Page<TokenDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await this.users.listActiveTokens(userId, after, limit + 1);
    return toPage(rows, limit, (row) => ({ at: row.position, id: row.id }), toTokenDto);
  }

  /**
   * Revokes one of `userId`'s own active tokens; it stops working at once.
   * @throws DomainException 404 not_found for a token that is not the user's, or not active.
   */
  async revoke(userId: string, id: string): Promise<void> {
    if (!(await this.tokens.revoke(userId, id))) throw DomainException.notFound('The token');
  }
}

function toTokenDto(record: Columns<PersonalAccessToken>): TokenDto {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    expiresAt: record.expiresAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
  };
}
