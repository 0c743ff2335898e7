import type { Fetch } from './api-client.js';

/**
 * What a command touches outside itself, passed in so that tests can run the whole program in
 * process: the environment, stdout and stderr (a line each call), HTTP, and the secret prompt.
 */
export interface CliContext {
  env: Record<string, string | undefined>;
  /** One line to stdout (the command's result). */
  out(text: string): void;
  /** One line to stderr (errors, hints, progress). */
  err(text: string): void;
  fetch: Fetch;
  /** Asks for a secret on the terminal without echoing it, or reads a line from piped stdin. */
  readSecret(prompt: string): Promise<string>;
}
