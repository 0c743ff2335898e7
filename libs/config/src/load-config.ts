import 'reflect-metadata';

import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';

import { secretKeysOf } from './secret.decorator.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join(' ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * A schema whose rules span several variables (at most one of these, this one
 * only with that one) implements this: after every variable is valid on its
 * own, `crossCheck` returns one sentence per problem, naming the variables.
 */
export interface CrossChecked {
  crossCheck(): string[];
}

/**
 * Reads a config schema (a class whose properties are environment variable
 * names, decorated with class-validator rules and defaults as initialisers)
 * from `env`, once, at boot. Every problem is a sentence naming the variable.
 * A schema that implements `CrossChecked` is then checked as a whole.
 *
 * @throws ConfigError listing every problem.
 */
export function loadConfig<T extends object>(schema: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const known = configVariableNames(schema);
  const raw: Record<string, string> = {};
  for (const name of known) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const config = plainToInstance(schema, raw, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(errors.map(describe));
  const problems = isCrossChecked(config) ? config.crossCheck() : [];
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** The environment variables a schema reads, in declaration order. */
export function configVariableNames(schema: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

/** The config as it may be logged: secrets replaced by a marker. */
export function printableConfig<T extends object>(schema: new () => T, config: T): Record<string, unknown> {
  const secrets = new Set(secretKeysOf(schema));
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, secrets.has(key) ? '[secret]' : value]));
}

function isCrossChecked(config: object): config is CrossChecked {
  return typeof (config as Partial<CrossChecked>).crossCheck === 'function';
}

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  const shown = error.value === undefined ? 'it is not set' : 'its value is not valid';
  return `${error.property} is required or malformed (${shown}): ${reasons}.`;
}
