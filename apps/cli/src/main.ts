// The `switchboard` command (apps/cli/bin/switchboard.js imports this file once built).
import { setTimeout as sleep } from 'node:timers/promises';

import { readSecret } from './core/terminal.js';
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  fetch: (input, init) => fetch(input, init),
  readSecret,
  sleep: (ms) => sleep(ms),
  // On a terminal only: go to the line's start, erase it, write the new status (no newline).
  status: process.stderr.isTTY ? (text) => process.stderr.write(`\r\x1b[2K${text}`) : undefined,
});
