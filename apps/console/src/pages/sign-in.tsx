import { useState } from 'preact/hooks';

import type { ProblemError } from '../core/api';
import { toProblemError } from '../core/paging';
import { type Session, signIn } from '../core/session';
import { ProblemView } from '../ui/components';

/** Sign in with a personal access token (a form field, never a URL; kept in sessionStorage). */
export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ProblemError | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <h1>Switchboard console</h1>
      <form
        method="post"
        action="#"
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          signIn(token.trim())
            .then(onSignedIn)
            .catch((caught: unknown) => setError(toProblemError(caught)))
            .finally(() => setBusy(false));
        }}
      >
        <label>
          Personal access token
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
        <ProblemView error={error} />
      </form>
    </main>
  );
}
