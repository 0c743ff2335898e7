import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** What one run of the `switchboard` bin did. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `switchboard` bin as a user does (a child process: stdout and stderr are pipes, not a terminal)
 * with `home` as HOME and `home/xdg` as XDG_CONFIG_HOME, and only PATH of this process's environment;
 * `stdin` is piped in when given.
 */
export function runCli(
  home: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['apps/cli/bin/switchboard.js', ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'xdg'), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
