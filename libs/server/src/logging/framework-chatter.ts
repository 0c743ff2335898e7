import type { LoggerService } from '@nestjs/common';

/**
 * Nest's boot lines that say nothing an operator acts on: one per module
 * (`InstanceLoader`), per controller (`RoutesResolver`) and per route
 * (`RouterExplorer`), about 120 lines per service. The routes are in the
 * OpenAPI description; at `debug` these lines are still there.
 */
export const FRAMEWORK_CHATTER: ReadonlySet<string> = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * Wraps Nest's logger so that its `log` (pino `info`) calls from the contexts
 * in FRAMEWORK_CHATTER are written at `debug` instead; every other call passes
 * through unchanged. Nest passes the context as the last argument.
 */
export function withoutFrameworkChatter(logger: LoggerService): LoggerService {
  const isChatter = (parameters: unknown[]): boolean => {
    const context = parameters.at(-1);
    return typeof context === 'string' && FRAMEWORK_CHATTER.has(context);
  };
  return {
    log: (message: unknown, ...parameters: unknown[]): void => {
      if (isChatter(parameters) && logger.debug) logger.debug(message, ...parameters);
      else logger.log(message, ...parameters);
    },
    error: (message: unknown, ...parameters: unknown[]): void => {
      logger.error(message, ...parameters);
    },
    warn: (message: unknown, ...parameters: unknown[]): void => {
      logger.warn(message, ...parameters);
    },
    debug: (message: unknown, ...parameters: unknown[]): void => {
      logger.debug?.(message, ...parameters);
    },
    verbose: (message: unknown, ...parameters: unknown[]): void => {
      logger.verbose?.(message, ...parameters);
    },
    fatal: (message: unknown, ...parameters: unknown[]): void => {
      logger.fatal?.(message, ...parameters);
    },
    setLogLevels: logger.setLogLevels?.bind(logger),
  };
}
