import { ApiClient } from './api-client.js';
import { configDirectory, ConfigStore } from './config-store.js';
import type { CliContext } from './context.js';
import { CliError, ExitCode } from './exit-codes.js';

/** The Hub to talk to and the token to use, and where each came from. */
export interface Session {
  hubUrl: string;
  token: string;
}

/**
 * The login in effect: SWITCHBOARD_HUB_URL and SWITCHBOARD_TOKEN, each when set and non-empty,
 * override the stored login (for CI and scripts, which then need no `login`). Throws a
 * not-authenticated CliError (exit 2) when either is missing.
 */
export function currentSession(context: CliContext): Session {
  const stored = new ConfigStore(configDirectory(context.env)).read();
  const hubUrl = context.env['SWITCHBOARD_HUB_URL'] || stored?.hubUrl;
  const token = context.env['SWITCHBOARD_TOKEN'] || stored?.token;
  if (!hubUrl || !token) {
    throw new CliError(
      ExitCode.NotAuthenticated,
      'Not logged in: run `switchboard login`, or set SWITCHBOARD_HUB_URL and SWITCHBOARD_TOKEN.',
    );
  }
  return { hubUrl: normalizeHubUrl(hubUrl), token };
}

/** A client for the Hub of the current session. */
export function hubClient(context: CliContext): ApiClient {
  const session = currentSession(context);
  return new ApiClient(session.hubUrl, session.token, context.fetch, 'the Hub', context.timeoutMs);
}

/** An http(s) URL without a trailing slash; a usage error for anything else. */
export function normalizeHubUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(
      ExitCode.Usage,
      `The Hub URL ${JSON.stringify(value)} is not a URL (e.g. http://127.0.0.1:8080).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(ExitCode.Usage, `The Hub URL must be http or https, not ${url.protocol}`);
  }
  if (url.search || url.hash) throw new CliError(ExitCode.Usage, 'The Hub URL takes no query or fragment.');
  return url.toString().replace(/\/+$/, '');
}
