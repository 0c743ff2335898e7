import type { CliContext } from './context.js';
import { cell } from './table.js';

/** How often a command that follows a move or a drain asks the Hub where it is, in milliseconds. */
export const POLL_INTERVAL_MS = 1000;

/**
 * Progress of something a command waits for, on stderr. A line is written whenever its `phase` changes
 * (a state, a count of workspaces left), so a log or a pipe gets one line per change however long the
 * wait; on a terminal, what changes within a phase (rows copied) rewrites the transient status line.
 * Text from the API is shown as table cells are (control characters as `?`), so it cannot drive the terminal.
 */
export class Progress {
  private phase: string | undefined;
  private statusShown = false;

  constructor(private readonly context: CliContext) {}

  /** Shows `line`: as a new line when `phase` differs from the last one shown, else as the status line. */
  show(phase: string, line: string): void {
    const text = cell(line);
    if (phase !== this.phase) {
      this.phase = phase;
      this.clear();
      this.context.err(text);
      return;
    }
    if (this.context.status) {
      this.context.status(text);
      this.statusShown = true;
    }
  }

  /** Clears the status line (before the command's result or error is written). */
  clear(): void {
    if (!this.statusShown) return;
    this.context.status?.('');
    this.statusShown = false;
  }
}
