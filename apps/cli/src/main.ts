// The `switchboard` command (apps/cli/bin/switchboard.js imports this file once built).
import { readSecret } from './core/terminal.js';
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  fetch: (input, init) => fetch(input, init),
  readSecret,
});
