import { type ChildProcess, spawn } from 'node:child_process';

import { waitFor } from './wait-for.js';

export interface ServiceProcess {
  name: string;
  url: string;
  /** The child's process id (benches read its memory from `/proc/<pid>/status`). */
  pid: number;
  /** The last lines the process wrote, for failure messages. */
  output(): string;
  /** SIGKILL: a crash, with no chance to clean up. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export interface StartProcessOptions {
  name: string;
  /** A built entry point, e.g. `apps/hub/dist/main.js`. */
  script: string;
  env: Record<string, string>;
  port: number;
  /** Resolves when this path answers 200; default `/readyz`. */
  readyPath?: string;
  /** How long to wait for it, in ms (default 60 s: three services booting at once on a loaded 2-core CI machine took over 20 s). */
  readyTimeoutMs?: number;
}

/** Runs a built service as a child process, as end-to-end and fault tests need: it can be killed and restarted. */
export async function startServiceProcess(options: StartProcessOptions): Promise<ServiceProcess> {
  const lines: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [options.script], {
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const remember = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const output = () => lines.join('\n');

  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode}`);
        const response = await fetch(`${url}${options.readyPath ?? '/readyz'}`).catch(() => undefined);
        return response?.ok ? true : undefined;
      },
      { timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 50, what: `${options.name} to be ready` },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- ${options.name} output ---\n${output()}`);
  }

  return {
    name: options.name,
    url,
    pid: child.pid ?? 0,
    output,
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
