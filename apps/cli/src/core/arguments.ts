import { InvalidArgumentError } from 'commander';

/** A whole number of seconds for an option (the API checks the range); else a usage error (exit 1). */
export function parseSeconds(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds.');
  return Number(value);
}
