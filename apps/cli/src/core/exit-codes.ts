/**
 * The exit codes scripts can rely on (README, "CLI"; also printed by `switchboard --help`).
 * 8 and 9 are the ends of what `workspaces move` and `instances drain` wait for. A 4xx status the table does not name is `OtherClientError`; a 5xx, a network failure or a
 * response that is not the API's is `ServerOrNetwork`.
 */
export const ExitCode = {
  Ok: 0,
  Usage: 1,
  NotAuthenticated: 2,
  Forbidden: 3,
  NotFound: 4,
  Conflict: 5,
  OtherClientError: 6,
  ServerOrNetwork: 7,
  /** What a command waited for ended badly: a move `failed`, or a drain `stalled`. */
  Failed: 8,
  /** The move a command waited for was `aborted` (by `workspaces move-abort`, or by someone else). */
  Aborted: 9,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for an HTTP status the Hub or an instance answered with (never called for 2xx). */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401) return ExitCode.NotAuthenticated;
  if (status === 403) return ExitCode.Forbidden;
  if (status === 404) return ExitCode.NotFound;
  if (status === 409) return ExitCode.Conflict;
  if (status >= 400 && status < 500) return ExitCode.OtherClientError;
  return ExitCode.ServerOrNetwork;
}

/** The table of `--help` and the README, one line per code. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  usage error (unknown command or option, a missing or invalid argument)
  2  not authenticated (not logged in, or the Hub answered 401)
  3  forbidden (403)
  4  not found (404)
  5  conflict (409)
  6  any other 4xx (e.g. 400 validation failed, 429)
  7  server error (5xx), network error or an answer that is not the API's
  8  what the command waited for failed (a move ended "failed", a drain "stalled")
  9  the move the command waited for was aborted`;

/** A failure the CLI reports on stderr and turns into its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
