import { CliError, ExitCode } from './exit-codes.js';

/**
 * Reads a secret: on a terminal, prompts on stderr and reads keystrokes without echoing them
 * (raw mode; Backspace edits, Ctrl-C or Ctrl-D cancels with a usage error); from a pipe, the first
 * line of stdin (`pass show hub | switchboard login`).
 */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) {
      text += String(chunk);
      if (text.includes('\n')) break;
    }
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') {
            stdin.off('data', onData);
            resolve(value);
            return;
          }
          if (char === '\u0003' || char === '\u0004') {
            stdin.off('data', onData);
            reject(new CliError(ExitCode.Usage, 'Cancelled.'));
            return;
          }
          if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
          else value += char;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
