import type { Fetch } from './api-client.js';

/**
 * What a command touches outside itself, passed in so that tests can run the whole program in
 * process: the environment, stdout and stderr (a line each call), HTTP, the secret prompt and
 * the clock commands wait on.
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
  /** Resolves after `ms` milliseconds (between the polls of a command that follows a move or a drain). */
  sleep(ms: number): Promise<void>;
  /**
   * Replaces the transient status line at the bottom of stderr (`''` clears it); present only when
   * stderr is a terminal, so that logs and pipes get whole lines from `err` and nothing else.
   */
  status?(text: string): void;
  /**
   * How long each request may take, in milliseconds: set from `--timeout` or SWITCHBOARD_TIMEOUT
   * before a command runs (see buildProgram); unset, the client's default (30 s).
   */
  timeoutMs?: number;
}
