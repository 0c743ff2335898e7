import { type LoggerService, Module } from '@nestjs/common';
import { APP_PIPE, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createValidationPipe } from '@switchboard/server';

import { notSupportedController } from './not-supported.controller.js';

/** Nest's log lines of one level, kept; every other level dropped. */
function warningsOf(): LoggerService & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return {
    warnings,
    log: ignore,
    error: ignore,
    debug: ignore,
    verbose: ignore,
    warn: (message) => warnings.push(String(message)),
  };
}

describe('notSupportedController', () => {
  it('boots behind the global validation pipe without a warning per handler (its parameters are plain objects)', async () => {
    @Module({
      controllers: [notSupportedController()],
      providers: [{ provide: APP_PIPE, useFactory: createValidationPipe }],
    })
    class TestModule {}
    const logger = warningsOf();
    const app = await NestFactory.create(TestModule, new FastifyAdapter(), { logger, abortOnError: false });
    try {
      await app.init();
    } finally {
      await app.close();
    }
    // Nest 12 warns once per handler whose parameter types it cannot read: 109 lines on every instance boot.
    expect(logger.warnings.filter((line) => line.includes('MembraneNotSupportedController'))).toEqual([]);
  });
});
