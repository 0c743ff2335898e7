import 'reflect-metadata';

import { closeSync, openSync, readSync } from 'node:fs';

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
 * A secret (@Secret) may instead come from a file: `<NAME>_FILE` names it.
 *
 * @throws ConfigError listing every problem.
 */
export function loadConfig<T extends object>(schema: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const known = configVariableNames(schema);
  const secrets = new Set(secretKeysOf(schema));
  const raw: Record<string, string> = {};
  const fileProblems: string[] = [];
  for (const name of known) {
    const value = secrets.has(name) ? secretValue(name, env, fileProblems) : env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  if (fileProblems.length > 0) throw new ConfigError(fileProblems);
  const config = plainToInstance(schema, raw, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(errors.map(describe));
  const problems = isCrossChecked(config) ? config.crossCheck() : [];
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/**
 * The most a `<NAME>_FILE` may hold, in bytes. Secrets are keys, tokens and
 * PEM documents of a few KiB at most; a path to something endless
 * (`/dev/zero`, a log) is a mistake to name at boot, not memory to fill.
 */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * A secret's value: `NAME` itself, or the contents of the file `NAME_FILE`
 * names (Docker and Kubernetes secrets mounted as files, or a pipe), less one
 * trailing newline (`\n` or `\r\n`; an editor's or `echo`'s). Setting both is
 * a problem naming both; a file that cannot be read, or holds more than
 * MAX_SECRET_FILE_BYTES, is a problem naming the variable and the file.
 * Problems are pushed to `problems`.
 */
function secretValue(name: string, env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const value = env[name];
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return value;
  if (value !== undefined && value !== '') {
    problems.push(`${name} and ${name}_FILE are both set: set one of them.`);
    return undefined;
  }
  try {
    const contents = readAtMost(file, MAX_SECRET_FILE_BYTES);
    if (contents === undefined) {
      problems.push(`${name}_FILE names ${file}, which holds more than ${MAX_SECRET_FILE_BYTES} bytes.`);
      return undefined;
    }
    return contents.replace(/\r?\n$/, '');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    problems.push(`${name}_FILE names ${file}, which cannot be read (${reason}).`);
    return undefined;
  }
}

/**
 * The file at `path` as UTF-8, reading no more than `limit` + 1 bytes:
 * `undefined` when it holds more than `limit`. Reads until end of file, so
 * a pipe works as a file does.
 * @throws the file system's error (ENOENT, EISDIR, EACCES, …).
 */
function readAtMost(path: string, limit: number): string | undefined {
  const buffer = Buffer.alloc(limit + 1);
  const descriptor = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      const read = readSync(descriptor, buffer, length, buffer.length - length, null);
      if (read === 0) return buffer.toString('utf8', 0, length);
      length += read;
      if (length > limit) return undefined;
    }
  } finally {
    closeSync(descriptor);
  }
}

/**
 * The `<NAME>_FILE` variables a schema reads besides configVariableNames: one
 * for each secret (see @Secret), whose value is then read from that file.
 */
export function secretFileVariableNames(schema: new () => object): string[] {
  return secretKeysOf(schema).map((name) => `${name}_FILE`);
}

/** The environment variables a schema reads, in declaration order (without the `_FILE` variants of secrets). */
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
