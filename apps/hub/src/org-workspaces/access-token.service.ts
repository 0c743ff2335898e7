import { createSecretKey, type KeyObject } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { claimsProblem, MAX_WORKSPACE_TOKEN_LENGTH, type WorkspaceTokenClaims } from '@switchboard/contracts';
import { Keyring } from '@switchboard/crypto';
import { BoundedCache, DomainException } from '@switchboard/server';
import jwt from 'jsonwebtoken';

import type { OrgWorkspace } from '../routing/org-workspace.entity.js';
import type { AccessTokenDto, AccessTokenRequestDto } from './org-workspaces.dto.js';

const DEFAULT_EXPIRES_IN_SECONDS = 3600;
const KEY_CACHE_LIMIT = 10_000;
/** A rotated-away secret signs nothing more; an hour frees its key. */
const KEY_CACHE_TTL_MS = 3600_000;

/**
 * Signs workspace JWTs as Membrane issues them, with the workspace's current
 * secret (HS256). HMAC keys are kept as `KeyObject`s: decrypting the secret
 * and building the key once per secret, not once per token, is what makes
 * issuance fast.
 */
@Injectable()
export class AccessTokenService {
  private readonly keys = new BoundedCache<string, KeyObject>({ max: KEY_CACHE_LIMIT, ttlMs: KEY_CACHE_TTL_MS });

  constructor(private readonly keyring: Keyring) {}

  /**
   * A signed token for `workspace` with the claims `request` asks for and,
   * when given, `act` (RFC 8693 §4.1: the user acting through Switch Account).
   * @throws DomainException 400 for claims its instance would refuse or too long a token.
   */
  issue(
    workspace: OrgWorkspace,
    request: AccessTokenRequestDto,
    act?: { sub: string },
    now = Date.now(),
  ): Omit<AccessTokenDto, 'apiUrl'> {
    const issuedAt = Math.floor(now / 1000);
    const expiresAt = issuedAt + (request.expiresIn ?? DEFAULT_EXPIRES_IN_SECONDS);
    const claims: WorkspaceTokenClaims = {
      iss: workspace.key,
      iat: issuedAt,
      exp: expiresAt,
      ...(request.isAdmin ? { isAdmin: true } : {}),
      ...(request.tenantId ? { tenantId: request.tenantId } : {}),
      ...(request.tenantKey ? { tenantKey: request.tenantKey } : {}),
      ...(request.name !== undefined ? { name: request.name } : {}),
      ...(request.fields !== undefined ? { fields: request.fields } : {}),
      ...(act ? { act } : {}),
    };
    // What its instance would refuse is not signed (API.md, Trust boundaries: Strings).
    const problem = claimsProblem(claims);
    if (problem) throw DomainException.validation(`${problem.field}: ${problem.message}`, [problem]);
    const token = jwt.sign(claims, this.keyFor(workspace.sealedSecret), { algorithm: 'HS256' });
    if (token.length > MAX_WORKSPACE_TOKEN_LENGTH) {
      const message = `would make a token of ${token.length} characters; instances accept at most ${MAX_WORKSPACE_TOKEN_LENGTH}`;
      throw DomainException.validation(`fields: ${message}`, [{ field: 'fields', message }]);
    }
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }

  private keyFor(sealedSecret: string): KeyObject {
    let key = this.keys.get(sealedSecret);
    if (!key) {
      key = createSecretKey(Buffer.from(this.keyring.decrypt(sealedSecret), 'utf8'));
      this.keys.set(sealedSecret, key);
    }
    return key;
  }
}
