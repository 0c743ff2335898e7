import { QueryFailedError } from 'typeorm';

import { ProblemJsonFilter } from './problem-json.filter.js';
import { declareUniqueConstraints, UNIQUE_VIOLATION } from './unique-violation.js';

/** What pg's DatabaseError carries for a unique violation (message text deliberately unusual). */
const pgError = (code: string, constraint?: string) =>
  Object.assign(new Error('duplicate (any wording, in any locale)'), { code, constraint });

describe('unique violations as problems', () => {
  const sut = new ProblemJsonFilter();

  beforeAll(() => {
    declareUniqueConstraints({
      spec_users_email: { field: 'email', detail: 'A user with this email already exists.' },
    });
  });

  it('maps a declared constraint on a TypeORM QueryFailedError to a 409 naming the field', () => {
    const error = new QueryFailedError('INSERT …', [], pgError(UNIQUE_VIOLATION, 'spec_users_email'));
    expect(sut.toProblem(error)).toMatchObject({
      status: 409,
      code: 'conflict',
      detail: 'A user with this email already exists.',
      errors: [{ field: 'email', message: 'is already taken' }],
    });
  });

  it("maps pg's own error, and an undeclared constraint, to a plain 409", () => {
    expect(sut.toProblem(pgError(UNIQUE_VIOLATION, 'spec_unknown'))).toMatchObject({ status: 409, code: 'conflict' });
    expect(sut.toProblem(pgError(UNIQUE_VIOLATION, 'spec_unknown')).errors).toBeUndefined();
  });

  it('leaves every other SQLSTATE a 500', () => {
    const notNull = new QueryFailedError('INSERT …', [], pgError('23502'));
    expect(sut.toProblem(notNull)).toMatchObject({ status: 500, code: 'internal_error' });
  });
});
