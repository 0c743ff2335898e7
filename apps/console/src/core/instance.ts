import { type Query, request, seg } from './api';
import { hub, type Session } from './session';

/** Seconds an admin token the console asks for lives; it asks for a new one a minute before it ends. */
const TOKEN_SECONDS = 600;

/**
 * Requests to a workspace's instance (its `apiUrl`), with a workspace-admin token the Hub issues
 * (`POST /org-workspaces/{id}/access-token`, owners and admins of its org), kept in memory only and
 * renewed before it expires. The instance must allow this console's origin (settings.allowedOrigins).
 */
export class InstanceClient {
  private token: { value: string; renewAt: number } | undefined;
  /** The token being issued, shared by requests that start together (a page's first reads), so one is asked for. */
  private issuing: Promise<string> | undefined;

  constructor(
    private readonly session: Session,
    private readonly workspaceId: string,
    readonly apiUrl: string,
  ) {}

  /** JSON from the instance; throws ProblemError like the Hub's requests. */
  async request<T>(method: string, path: string, options?: { query?: Query; body?: unknown }): Promise<T> {
    return request<T>(this.apiUrl, await this.currentToken(), method, path, options);
  }

  private currentToken(): Promise<string> {
    if (this.token && Date.now() < this.token.renewAt) return Promise.resolve(this.token.value);
    this.issuing ??= this.issue().finally(() => (this.issuing = undefined));
    return this.issuing;
  }

  private async issue(): Promise<string> {
    const issued = await hub<{ token: string; expiresAt: string }>(
      this.session,
      'POST',
      `/org-workspaces/${seg(this.workspaceId)}/access-token`,
      { body: { isAdmin: true, expiresIn: TOKEN_SECONDS } },
    );
    this.token = { value: issued.token, renewAt: new Date(issued.expiresAt).getTime() - 60_000 };
    return issued.token;
  }
}

/** Whether a workspace's `settings.allowedOrigins` lets `origin` call its instance from a browser. */
export function allowsOrigin(settings: Record<string, unknown>, origin: string): boolean {
  const listed = settings['allowedOrigins'];
  return Array.isArray(listed) && (listed.includes('*') || listed.includes(origin));
}
