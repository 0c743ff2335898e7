import type { Command } from 'commander';

import { ApiClient } from '../core/api-client.js';
import { configDirectory, ConfigStore, type StoredLogin } from '../core/config-store.js';
import type { CliContext } from '../core/context.js';
import { CliError, ExitCode } from '../core/exit-codes.js';
import { printItem } from '../core/output.js';
import { normalizeHubUrl } from '../core/session.js';

/** Where `npm start` serves the Hub: the default of `login --hub-url`. */
export const DEFAULT_HUB_URL = 'http://127.0.0.1:8080';

interface LoginOptions {
  hubUrl?: string;
  token?: string;
  json?: boolean;
}

/** `login` and `logout`. */
export function registerAuthCommands(program: Command, context: CliContext): void {
  program
    .command('login')
    .summary('Verify a token against the Hub and store it (mode 0600)')
    .description(
      'Verify a personal access token against the Hub (GET /users/me) and store it, with the Hub URL, ' +
        'in $XDG_CONFIG_HOME/switchboard/config.json (or ~/.config/switchboard/config.json), mode 0600.',
    )
    .option(
      '--hub-url <url>',
      `the Hub's base URL (default: SWITCHBOARD_HUB_URL, the stored one, or ${DEFAULT_HUB_URL})`,
    )
    .option(
      '--token <token>',
      'the personal access token; without it the token is asked for (not echoed) or read from piped stdin, ' +
        'which keeps it out of the shell history and the process list',
    )
    .option('--json', 'print the user as JSON')
    .action(async (options: LoginOptions) => {
      const store = new ConfigStore(configDirectory(context.env));
      const hubUrl = normalizeHubUrl(
        options.hubUrl || context.env['SWITCHBOARD_HUB_URL'] || storedQuietly(store)?.hubUrl || DEFAULT_HUB_URL,
      );
      const token = (options.token ?? (await context.readSecret('Personal access token: '))).trim();
      if (token === '') throw new CliError(ExitCode.Usage, 'No token given.');
      const user = await new ApiClient(hubUrl, token, context.fetch, 'the Hub', context.timeoutMs).request(
        'GET',
        '/users/me',
      );
      store.write({ hubUrl, token });
      if (options.json) {
        printItem(context, user, true);
      } else {
        const email = (user as { email?: unknown } | undefined)?.email;
        context.out(`Logged in to ${hubUrl} as ${typeof email === 'string' ? email : 'an unnamed user'}.`);
      }
      context.err(`Saved to ${store.path}.`);
      if (context.env['SWITCHBOARD_HUB_URL'] || context.env['SWITCHBOARD_TOKEN']) {
        context.err('Note: SWITCHBOARD_HUB_URL / SWITCHBOARD_TOKEN are set and override the stored login.');
      }
    });

  program
    .command('logout')
    .description('Forget the stored login (the token stays valid on the Hub until revoked there).')
    .action(() => {
      const store = new ConfigStore(configDirectory(context.env));
      context.out(store.remove() ? `Logged out (removed ${store.path}).` : 'Not logged in; nothing to remove.');
    });
}

function storedQuietly(store: ConfigStore): StoredLogin | undefined {
  try {
    return store.read();
  } catch {
    return undefined; // a broken file is what login replaces
  }
}
