import { InvalidArgumentError } from 'commander';

/** A whole number of seconds for an option (the API checks the range); else a usage error (exit 1). */
export function parseSeconds(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds.');
  return Number(value);
}

/** The longest `--timeout` (and SWITCHBOARD_TIMEOUT) taken, in seconds: an hour. */
export const MAX_TIMEOUT_SECONDS = 3600;

/**
 * How long to wait for each answer, in seconds: a number greater than 0 and at most
 * MAX_TIMEOUT_SECONDS (fractions allowed: `0.5`). Returns milliseconds.
 * @throws InvalidArgumentError (a usage error, exit 1) for anything else.
 */
export function parseTimeoutSeconds(value: string): number {
  const seconds = /^\d{1,4}(\.\d{1,3})?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS)) {
    throw new InvalidArgumentError(`must be a number of seconds greater than 0 and at most ${MAX_TIMEOUT_SECONDS}.`);
  }
  return Math.round(seconds * 1000);
}
