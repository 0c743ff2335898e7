import type { ArgumentMetadata } from '@nestjs/common';
import { MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS } from '@switchboard/contracts';
import { createValidationPipe, DomainException, fastAcceptOf } from '@switchboard/server';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

import { AccessTokenRequestDto, accessTokenRequestPlainlyValid } from './org-workspaces.dto.js';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };
const BODY: ArgumentMetadata = { type: 'body', metatype: AccessTokenRequestDto };
const FIELDS = ['isAdmin', 'tenantId', 'tenantKey', 'name', 'fields', 'expiresIn', 'extra'];
const VALUES: unknown[] = [
  true,
  false,
  null,
  0,
  1,
  -1,
  1.5,
  3600,
  MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS,
  MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS + 1,
  1e300,
  '',
  '1',
  'tenant-1',
  'x'.repeat(200),
  'x'.repeat(201),
  '𝄞'.repeat(100),
  '𝄞'.repeat(101),
  '𝄞'.repeat(200),
  '0b7c9f52-1c1e-4a6f-9d39-3f1f0f5d2a10',
  '0B7C9F52-1C1E-4A6F-9D39-3F1F0F5D2A10',
  '00000000-0000-0000-0000-000000000000',
  '0b7c9f52-1c1e-4a6f-9d39-3f1f0f5d2a1',
  '0b7c9f521c1e4a6f9d393f1f0f5d2a10',
  {},
  { plan: 'pro' },
  [],
  ['a'],
];

/** What class-transformer and class-validator alone make of a body: the instance, or the refusal. */
async function reference(body: object): Promise<{ instance: object; valid: boolean }> {
  const instance = plainToInstance(AccessTokenRequestDto, body);
  return { instance, valid: (await validate(instance, OPTIONS)).length === 0 };
}

/** A deterministic stream of numbers in [0, 1) (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bodies(): object[] {
  const single = FIELDS.flatMap((field) => VALUES.map((value) => ({ [field]: value })));
  const next = random(11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const mixed = Array.from({ length: 3000 }, () => {
    const body: Record<string, unknown> = {};
    for (let n = Math.floor(next() * 5); n > 0; n--) body[pick(FIELDS)] = pick(VALUES);
    return body;
  });
  // As they arrive: parsed from JSON.
  return [{}, ...single, ...mixed].map((body) => JSON.parse(JSON.stringify(body)) as object);
}

describe('AccessTokenRequestDto, the short way past class-validator', () => {
  it('is declared on the DTO', () => {
    expect(fastAcceptOf(AccessTokenRequestDto)).toBe(accessTokenRequestPlainlyValid);
  });

  it('accepts only bodies class-validator accepts, and the pipe answers every body as class-validator does', async () => {
    const pipe = createValidationPipe();
    let shortWay = 0;
    let refused = 0;
    for (const body of bodies()) {
      const expected = await reference(body);
      const fast = accessTokenRequestPlainlyValid(body as Record<string, unknown>);
      if (fast) {
        shortWay++;
        expect({ body, valid: expected.valid }).toEqual({ body, valid: true });
      }
      let outcome: unknown;
      try {
        outcome = await pipe.transform(body, BODY);
      } catch (error) {
        expect(error).toBeInstanceOf(DomainException);
        outcome = 'refused';
      }
      if (expected.valid) {
        expect(outcome).toBeInstanceOf(AccessTokenRequestDto);
        expect({ body, outcome }).toEqual({ body, outcome: expected.instance });
      } else {
        refused++;
        expect({ body, outcome }).toEqual({ body, outcome: 'refused' });
      }
    }
    // Neither way is vacuous: the short way takes many bodies, and many are refused.
    expect(shortWay).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(1000);
  });

  it('leaves to class-validator the bodies it does not vouch for, with their messages', async () => {
    const pipe = createValidationPipe();
    await expect(pipe.transform({ tenantKey: '' }, BODY)).rejects.toMatchObject({
      message: expect.stringContaining('tenantKey'),
    });
    await expect(pipe.transform({ expiresIn: null }, BODY)).rejects.toMatchObject({
      message: expect.stringContaining('must not be null'),
    });
    await expect(pipe.transform({ fields: { plan: 'pro' } }, BODY)).resolves.toEqual(
      plainToInstance(AccessTokenRequestDto, { fields: { plan: 'pro' } }),
    );
  });
});
