import { type Query, request } from './api';

/** The signed-in user (GET /users/me). */
export interface User {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
}

const KEY = 'switchboard.token';

/**
 * The personal access token, in sessionStorage (this tab only, gone when it closes; never in a URL),
 * and the user it belongs to.
 */
export interface Session {
  token: string;
  /**
   * Undefined until `GET /users/me` answers: a token kept from earlier in this tab is used at once (every
   * request checks it anyway) and checked in parallel, so a reload does not wait a round trip for it.
   */
  user: User | undefined;
}

/** The stored token, if any. */
export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

/** Checks a token with GET /users/me and keeps it; throws ProblemError (401) for a refused one, keeping nothing. */
export async function signIn(token: string): Promise<Session> {
  const user = await request<User>('', token, 'GET', '/users/me');
  sessionStorage.setItem(KEY, token);
  return { token, user };
}

/** Forgets the token (it stays valid on the Hub). */
export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** A request to the Hub with the session's token. */
export function hub<T>(session: Session, method: string, path: string, options?: { query?: Query; body?: unknown }) {
  return request<T>('', session.token, method, path, options);
}
