import './style.css';

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { match, navigate, usePath } from './core/router';
import { type Session, signIn, signOut, storedToken } from './core/session';
import { ElementPage, ElementsPage } from './pages/elements';
import { InstancesPage } from './pages/instances';
import { OrgPage } from './pages/org';
import { OrgsPage } from './pages/orgs';
import { SignInPage } from './pages/sign-in';
import { TenantPage } from './pages/tenant';
import { UniverseElementPage, UniversePage } from './pages/universe';
import { WorkspacePage } from './pages/workspace';
import { Link } from './ui/components';

/** The console: sign-in, then the page of the current path under /console. */
function App() {
  const [session, setSession] = useState<Session | null>(() => {
    const token = storedToken();
    return token ? { token, user: undefined } : null;
  });
  const path = usePath();
  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    // Checked beside the page's own first requests, not before them; a refused token signs out.
    signIn(token)
      .then(setSession)
      .catch(() => {
        signOut();
        setSession(null);
      });
  }, []);
  if (session === null) return <SignInPage onSignedIn={setSession} />;
  return (
    <>
      <header>
        <Link to="/">Organizations</Link>
        {session.user?.isPlatformAdmin && <Link to="/instances">Instances</Link>}
        {session.user?.isPlatformAdmin && <Link to="/universe">Universe</Link>}
        {session.user ? (
          <span class="who" data-testid="user">
            {session.user.email}
          </span>
        ) : (
          <span class="who">…</span>
        )}
        <button
          type="button"
          onClick={() => {
            signOut();
            setSession(null);
            navigate('/');
          }}
        >
          Sign out
        </button>
      </header>
      <Page session={session} path={path} />
    </>
  );
}

function Page({ session, path }: { session: Session; path: string }) {
  let params: Record<string, string> | undefined;
  if ((params = match('/orgs/:orgId', path))) return <OrgPage session={session} orgId={params['orgId'] ?? ''} />;
  if ((params = match('/workspaces/:id', path))) {
    return <WorkspacePage session={session} workspaceId={params['id'] ?? ''} />;
  }
  if ((params = match('/workspaces/:id/tenants/:tenantId', path))) {
    return <TenantPage session={session} workspaceId={params['id'] ?? ''} tenantId={params['tenantId'] ?? ''} />;
  }
  if ((params = match('/workspaces/:id/elements', path))) {
    return <ElementsPage session={session} workspaceId={params['id'] ?? ''} type="actions" />;
  }
  if ((params = match('/workspaces/:id/elements/:type', path))) {
    return <ElementsPage session={session} workspaceId={params['id'] ?? ''} type={params['type'] ?? ''} />;
  }
  if ((params = match('/workspaces/:id/elements/:type/:key', path))) {
    return (
      <ElementPage
        session={session}
        workspaceId={params['id'] ?? ''}
        type={params['type'] ?? ''}
        elementKey={params['key'] ?? ''}
      />
    );
  }
  if (match('/instances', path)) return <InstancesPage session={session} />;
  if (match('/universe', path)) return <UniversePage session={session} utype="connectors" />;
  if ((params = match('/universe/:utype', path)))
    return <UniversePage session={session} utype={params['utype'] ?? ''} />;
  if ((params = match('/universe/:utype/:key', path))) {
    return <UniverseElementPage session={session} utype={params['utype'] ?? ''} elementKey={params['key'] ?? ''} />;
  }
  if (path === '/' || path === '') return <OrgsPage session={session} />;
  return (
    <main>
      <h1>Not found</h1>
      <p>
        No console page at {path}. <Link to="/">Back to organizations</Link>
      </p>
    </main>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
