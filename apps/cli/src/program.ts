import { Command, CommanderError, InvalidArgumentError } from 'commander';

import { registerAuthCommands } from './commands/auth.js';
import { registerInstanceCommands } from './commands/instances.js';
import { registerOrgCommands } from './commands/orgs.js';
import { registerTenantCommands } from './commands/tenants.js';
import { registerUniverseCommands } from './commands/universe.js';
import { registerWorkspaceCommands } from './commands/workspaces.js';
import { parseTimeoutSeconds } from './core/arguments.js';
import type { CliContext } from './core/context.js';
import { CliError, EXIT_CODES_HELP, ExitCode } from './core/exit-codes.js';

const ENVIRONMENT_HELP = `Environment:
  SWITCHBOARD_HUB_URL  the Hub's base URL; overrides the stored login
  SWITCHBOARD_TOKEN    a personal access token; overrides the stored login
  SWITCHBOARD_TIMEOUT  seconds to wait for each answer (default 30); --timeout overrides it
  XDG_CONFIG_HOME      where the login is kept: $XDG_CONFIG_HOME/switchboard/config.json
                       (default ~/.config/switchboard/config.json, mode 0600)`;

/**
 * The `switchboard` command tree. Commander is told to throw instead of exiting and to write
 * through the context, so that `run` decides the exit code and tests run it in process.
 */
export function buildProgram(context: CliContext): Command {
  const program = new Command()
    .name('switchboard')
    .description(
      "Switchboard's command line: orgs, workspaces, instances, tenants and the universe, through the Hub's HTTP API.",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.out(text.replace(/\n$/, '')),
      writeErr: (text) => context.err(text.replace(/\n$/, '')),
    })
    .showHelpAfterError('(add --help for usage)')
    .option(
      '--timeout <seconds>',
      'how long to wait for each answer, body included (default 30, at most 3600)',
      parseTimeoutSeconds,
    )
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}`)
    // Before any command: the request timeout, from --timeout, else SWITCHBOARD_TIMEOUT, else the client's default.
    .hook('preAction', () => {
      context.timeoutMs = program.opts<{ timeout?: number }>().timeout ?? timeoutFromEnvironment(context.env);
    });

  registerAuthCommands(program, context);
  registerOrgCommands(program, context);
  registerWorkspaceCommands(program, context);
  registerInstanceCommands(program, context);
  registerTenantCommands(program, context);
  registerUniverseCommands(program, context);
  return program;
}

/**
 * SWITCHBOARD_TIMEOUT in milliseconds, or undefined when unset or empty.
 * @throws CliError (usage, exit 1) naming the variable when its value is not a timeout `--timeout` takes.
 */
function timeoutFromEnvironment(env: CliContext['env']): number | undefined {
  const value = env['SWITCHBOARD_TIMEOUT'];
  if (!value) return undefined;
  try {
    return parseTimeoutSeconds(value);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new CliError(ExitCode.Usage, `SWITCHBOARD_TIMEOUT ${JSON.stringify(value)} ${error.message}`);
    }
    throw error;
  }
}

/**
 * Runs one command line (without `node` and the script) and returns its exit code (see
 * `ExitCode`): failures are written to stderr as `error: <title>: <detail>`, never thrown.
 */
export async function run(argv: readonly string[], context: CliContext): Promise<ExitCode> {
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      context.err(`error: ${error.message}`);
      return error.exitCode;
    }
    context.err(`error: unexpected: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return ExitCode.ServerOrNetwork;
  }
}
