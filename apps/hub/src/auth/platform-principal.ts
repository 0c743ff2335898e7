import type { User } from './user.entity.js';

/** Who is calling the Hub: a platform user, authenticated by one of their personal access tokens. */
export interface PlatformPrincipal {
  user: User;
  tokenId: string;
}
