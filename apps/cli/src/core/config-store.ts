import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { CliError, ExitCode } from './exit-codes.js';

/** What `switchboard login` stores: the Hub's base URL and a personal access token. */
export interface StoredLogin {
  hubUrl: string;
  token: string;
}

/**
 * The directory the login is kept in: `$XDG_CONFIG_HOME/switchboard`, or `~/.config/switchboard`
 * when XDG_CONFIG_HOME is unset or not absolute (the XDG Base Directory spec says to ignore a relative one).
 */
export function configDirectory(env: Record<string, string | undefined>): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg && xdg.startsWith('/') ? xdg : join(env['HOME'] || homedir(), '.config');
  return join(base, 'switchboard');
}

/**
 * The login file, `config.json` in `configDirectory`. The token is a credential: the directory is
 * kept at 0700 and the file at 0600, and the file is replaced whole (written beside it, then renamed)
 * so that a crash never leaves half a file.
 */
export class ConfigStore {
  readonly path: string;

  constructor(readonly directory: string) {
    this.path = join(directory, 'config.json');
  }

  /** The stored login, or undefined when there is none. Throws a usage error for a file that is not one. */
  read(): StoredLogin | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isStoredLogin(parsed)) {
      throw new CliError(
        ExitCode.Usage,
        `${this.path} is not a login this CLI wrote; run \`switchboard login\` again (or \`switchboard logout\`).`,
      );
    }
    return { hubUrl: parsed.hubUrl, token: parsed.token };
  }

  /** Stores the login with mode 0600 in a directory with mode 0700 (both tightened if they existed looser). */
  write(login: StoredLogin): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    chmodSync(this.directory, 0o700);
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ hubUrl: login.hubUrl, token: login.token }, null, 2)}\n`, {
      mode: 0o600,
      flag: 'w',
    });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.path);
  }

  /** Removes the stored login; true if there was one. */
  remove(): boolean {
    try {
      rmSync(this.path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}

function isStoredLogin(value: unknown): value is StoredLogin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['hubUrl'] === 'string' &&
    typeof (value as Record<string, unknown>)['token'] === 'string'
  );
}
