import { type ArgumentsHost, BadRequestException, NotFoundException } from '@nestjs/common';

import { DomainException } from './domain.exception.js';
import { ErrorCode } from './error-code.js';
import { declareErrorTranslations } from './error-translations.js';
import { ProblemJsonFilter } from './problem-json.filter.js';

describe('ProblemJsonFilter', () => {
  const sut = new ProblemJsonFilter();

  it('keeps a domain exception as it is, with field errors', () => {
    const problem = sut.toProblem(
      DomainException.validation('name: too long', [{ field: 'name', message: 'too long' }]),
    );
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Validation failed',
      status: 400,
      detail: 'name: too long',
      code: ErrorCode.ValidationFailed,
      errors: [{ field: 'name', message: 'too long' }],
    });
  });

  it('maps Nest HTTP exceptions to a code by status', () => {
    expect(sut.toProblem(new NotFoundException('Cannot GET /nope'))).toMatchObject({
      status: 404,
      code: ErrorCode.NotFound,
      detail: 'Cannot GET /nope',
    });
    expect(sut.toProblem(new BadRequestException('Validation failed (uuid is expected)'))).toMatchObject({
      status: 400,
      code: ErrorCode.MalformedRequest,
    });
  });

  it("maps Fastify's own client errors", () => {
    const unsupported = Object.assign(new Error('Unsupported Media Type: text/plain'), {
      statusCode: 415,
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    });
    expect(sut.toProblem(unsupported)).toMatchObject({ status: 415, code: ErrorCode.UnsupportedMediaType });
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(sut.toProblem(tooLarge)).toMatchObject({ status: 413, code: ErrorCode.PayloadTooLarge });
  });

  it('turns anything else into a 500 with an errorId and no internals', () => {
    const problem = sut.toProblem(new Error('connection string postgres://secret@db leaked'));
    expect(problem).toMatchObject({ status: 500, code: ErrorCode.InternalError });
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(problem.detail).toContain(problem.errorId);
    expect(JSON.stringify(problem)).not.toContain('secret');
  });

  it('answers an error a service declared as the DomainException it translates to, with its Retry-After', () => {
    const frozen = Object.assign(new Error('refused'), { code: 'XX042' });
    declareErrorTranslations([
      (error) =>
        (error as { code?: unknown }).code === 'XX042'
          ? new DomainException(503, ErrorCode.WorkspaceMoving, 'Moving', 'Retry.', { retryAfterSeconds: 1 })
          : undefined,
    ]);
    const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
    const reply = {
      status(code: number) {
        sent.status = code;
        return reply;
      },
      header(name: string, value: string) {
        sent.headers[name] = value;
        return reply;
      },
      send(body: unknown) {
        sent.body = body;
        return reply;
      },
    };
    const host = {
      getType: () => 'http',
      switchToHttp: () => ({ getResponse: () => reply }),
    } as unknown as ArgumentsHost;
    sut.catch(frozen, host);
    expect(sent).toEqual({
      status: 503,
      headers: { 'Retry-After': '1', 'Content-Type': 'application/problem+json' },
      body: expect.objectContaining({ status: 503, code: ErrorCode.WorkspaceMoving, detail: 'Retry.' }),
    });
    // Any other error is untouched by the translation.
    expect(sut.toProblem(new NotFoundException('nope'))).toMatchObject({ status: 404 });
  });
});
