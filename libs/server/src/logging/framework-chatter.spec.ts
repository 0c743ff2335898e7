import type { LoggerService } from '@nestjs/common';

import { withoutFrameworkChatter } from './framework-chatter.js';

describe('withoutFrameworkChatter', () => {
  const recorded = () => {
    const calls: [string, unknown[]][] = [];
    const record =
      (level: string) =>
      (...args: unknown[]) =>
        void calls.push([level, args]);
    const logger: LoggerService = {
      log: record('log'),
      error: record('error'),
      warn: record('warn'),
      debug: record('debug'),
      verbose: record('verbose'),
    };
    return { calls, logger: withoutFrameworkChatter(logger) };
  };

  it.each(['RoutesResolver', 'RouterExplorer', 'InstanceLoader'])('writes %s lines at debug', (context) => {
    const { calls, logger } = recorded();
    logger.log('Mapped {/orgs, POST} route', context);
    expect(calls).toEqual([['debug', ['Mapped {/orgs, POST} route', context]]]);
  });

  it('passes other contexts, and every other level, through unchanged', () => {
    const { calls, logger } = recorded();
    logger.log('Nest application successfully started', 'NestApplication');
    logger.warn('slow', 'RoutesResolver');
    logger.error('boom', 'stack', 'RouterExplorer');
    expect(calls).toEqual([
      ['log', ['Nest application successfully started', 'NestApplication']],
      ['warn', ['slow', 'RoutesResolver']],
      ['error', ['boom', 'stack', 'RouterExplorer']],
    ]);
  });
});
