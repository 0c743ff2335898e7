import { Injectable } from '@nestjs/common';

/**
 * Which workspaces this process is delivering webhooks for right now. The
 * event delivery registers each run; a move's cutover waits for the runs of
 * the workspace it froze to end (a run ends once its requests in flight have
 * been recorded, and claims nothing of a frozen workspace), so that the
 * outcome of every delivery sent from the source is in the last changes the
 * target receives: none sent twice. In `journal/` (bottom layer) because both
 * `events/` and `moves/` need it. Per process: a replica's runs are awaited
 * only by a cutover on the same replica (see the move notes in API.md).
 */
@Injectable()
export class DeliveriesInFlight {
  private readonly runs = new Map<string, Set<Promise<unknown>>>();

  /** Registers a run for the workspace until it settles; returns it. */
  track<T>(workspaceId: string, run: Promise<T>): Promise<T> {
    let set = this.runs.get(workspaceId);
    if (!set) {
      set = new Set();
      this.runs.set(workspaceId, set);
    }
    const entry = set;
    entry.add(run);
    const forget = (): void => {
      entry.delete(run);
      if (entry.size === 0 && this.runs.get(workspaceId) === entry) this.runs.delete(workspaceId);
    };
    run.then(forget, forget);
    return run;
  }

  /** Resolves when no run of the workspace is in flight, or after `timeoutMs`; true if none is left. */
  async settled(workspaceId: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const set = this.runs.get(workspaceId);
      if (!set || set.size === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([Promise.allSettled([...set]), new Promise((resolve) => setTimeout(resolve, left))]);
    }
  }
}
