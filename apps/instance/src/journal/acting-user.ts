import { AsyncLocalStorage } from 'node:async_hooks';

import type { TokenActor } from '@switchboard/contracts';

/** The `act` claim of the request being handled, for the activity log entries it writes. */
const actingUsers = new AsyncLocalStorage<TokenActor>();

/**
 * Runs `work` (and everything it starts) on behalf of `act`, the verified
 * `act` claim (RFC 8693 §4.1) of a Switch Account token: every activity log
 * entry written meanwhile records it as `data.act` (API.md, Switch Account).
 */
export function actingAs<T>(act: TokenActor, work: () => T): T {
  return actingUsers.run(act, work);
}

/** The `act` claim of the request at hand, or `undefined` (no request, or a token without one). */
export function currentActingUser(): TokenActor | undefined {
  return actingUsers.getStore();
}
