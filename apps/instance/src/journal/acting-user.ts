import { AsyncLocalStorage } from 'node:async_hooks';

import type { TokenActor } from '@switchboard/contracts';
import { requestValue, setRequestValue } from '@switchboard/server';

/** The `act` claim of the work at hand, when it runs inside actingAs. */
const actingUsers = new AsyncLocalStorage<TokenActor>();

/** The request-context key of the `act` claim of the request's verified token (see actForRequest). */
const REQUEST_ACT = Symbol('act');

/**
 * Runs `work` (and everything it starts) on behalf of `act`, the verified
 * `act` claim (RFC 8693 §4.1) of a Switch Account token: every activity log
 * entry written meanwhile records it as `data.act` (API.md, Switch Account).
 */
export function actingAs<T>(act: TokenActor, work: () => T): T {
  return actingUsers.run(act, work);
}

/**
 * As actingAs, for the rest of the current HTTP request: called once its
 * token is verified (WorkspaceAuthGuard), so that the handler and everything
 * it starts write their entries with `act`. Outside a request it does nothing.
 */
export function actForRequest(act: TokenActor): void {
  setRequestValue(REQUEST_ACT, act);
}

/** The `act` claim of the work or request at hand, or `undefined` (no request, or a token without one). */
export function currentActingUser(): TokenActor | undefined {
  return actingUsers.getStore() ?? requestValue<TokenActor>(REQUEST_ACT);
}
