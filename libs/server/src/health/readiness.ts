/** The state of one dependency as `/readyz` reports it. */
export type DependencyState = { status: 'up'; rttMs?: number } | { status: 'down'; message: string };

/** `/readyz` when every required dependency is up; `info` has the state of each, required or not. */
export interface Readiness {
  status: 'ok';
  info: Record<string, DependencyState>;
}

/**
 * The detail of a 503 from `/readyz` — "Not ready: nats is down (…)" — or
 * `undefined` when every dependency is up.
 */
export function notReady(dependencies: Record<string, DependencyState>): string | undefined {
  const down = Object.entries(dependencies).flatMap(([name, state]) =>
    state.status === 'down' ? [`${name} is down (${state.message})`] : [],
  );
  return down.length > 0 ? `Not ready: ${down.join('; ')}.` : undefined;
}
