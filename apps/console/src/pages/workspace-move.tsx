import { useEffect, useState } from 'preact/hooks';

import { type Page, ProblemError, seg } from '../core/api';
import { toProblemError } from '../core/paging';
import { hub, type Session } from '../core/session';
import { ActionButton, ProblemView, when } from '../ui/components';
import { type Instance, isMoveRunning, type OrgWorkspace, type WorkspaceMove } from './types';

/** How often a running move is re-read, in milliseconds. */
export const MOVE_REFRESH_MS = 1000;

/**
 * Moving the workspace to another instance (API.md, "Moving a workspace to another instance"), for those who
 * may (platform admins; the org's owner, to an instance that accepts new workspaces): the latest move and its
 * progress (re-read every second while it runs), a target instance, Move, and Abort before the cutover.
 * A platform admin picks among the registered instances; an owner, who may not list them, types its id.
 */
export function WorkspaceMoveSection({
  session,
  workspace,
  onChange,
}: {
  session: Session;
  workspace: OrgWorkspace;
  /** Called when a move ends, so that the page re-reads the workspace's placement. */
  onChange: () => void;
}) {
  const path = `/org-workspaces/${seg(workspace.id)}/move`;
  const [move, setMove] = useState<WorkspaceMove | undefined>();
  const [error, setError] = useState<ProblemError | undefined>();
  const [target, setTarget] = useState('');
  const running = isMoveRunning(move);

  useEffect(() => {
    let live = true;
    const read = () =>
      hub<WorkspaceMove>(session, 'GET', path)
        .then((latest) => {
          if (!live) return;
          setMove(latest);
          setError(undefined);
          // A move followed here has ended: the workspace may have a new placement.
          if (running && !isMoveRunning(latest)) onChange();
        })
        // 404: never moved, nothing to show.
        .catch((caught: unknown) => live && !isNotFound(caught) && setError(toProblemError(caught)));
    // The latest move once; then, while one runs, every MOVE_REFRESH_MS until it ends.
    if (move === undefined || running) void read();
    const timer = running ? setInterval(() => void read(), MOVE_REFRESH_MS) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [workspace.id, running]);

  return (
    <section class="actions" aria-label="move">
      <h2>Move to another instance</h2>
      <ProblemView error={error} />
      {move && <MoveProgress move={move} />}
      {running ? (
        move?.state !== 'cutover' && (
          <ActionButton
            label="Abort move"
            confirm="Abort the move? The workspace stays where it is."
            run={async () => setMove(await hub<WorkspaceMove>(session, 'POST', `${path}/abort`))}
          />
        )
      ) : (
        <form class="inline" onSubmit={(event) => event.preventDefault()}>
          <TargetPicker session={session} workspace={workspace} value={target} onInput={setTarget} />
          <ActionButton
            label="Move"
            confirm={`Move ${workspace.name} from ${workspace.instanceId} to ${target}? It keeps serving while its data is copied; writes wait about a second at the cutover.`}
            run={async () => {
              if (!target)
                throw new ProblemError({
                  status: 0,
                  title: 'No instance chosen',
                  detail: 'Pick the instance to move it to.',
                });
              setMove(await hub<WorkspaceMove>(session, 'POST', path, { body: { instanceId: target } }));
            }}
          />
        </form>
      )}
    </section>
  );
}

/** Where a move is: state, rows copied, the write pause at the cutover, its error (role=status: read out as it changes). */
function MoveProgress({ move }: { move: WorkspaceMove }) {
  return (
    <p role="status" data-testid="move">
      {move.fromInstanceId} → {move.toInstanceId}:{' '}
      <span class={`badge ${move.state}`} data-testid="move-state">
        {move.state}
      </span>{' '}
      <span data-testid="move-rows">{move.rowsCopied}</span> {move.rowsCopied === 1 ? 'row' : 'rows'} copied
      {move.writePauseMs !== null && <>, writes held {move.writePauseMs} ms</>}; started {when(move.startedAt)}
      {move.finishedAt && <>, ended {when(move.finishedAt)}</>}
      {move.error && (
        <span class="problem-detail">
          {' '}
          {move.state === 'failed' ? '' : 'Retrying: '}
          {move.error}
        </span>
      )}
    </p>
  );
}

/**
 * The target instance: for a platform admin, a choice among the registered instances other than the current one
 * (first page of `GET /instances`); for an owner, who may not list instances, its id as text.
 */
function TargetPicker({
  session,
  workspace,
  value,
  onInput,
}: {
  session: Session;
  workspace: OrgWorkspace;
  value: string;
  onInput: (value: string) => void;
}) {
  const admin = session.user?.isPlatformAdmin === true;
  const [instances, setInstances] = useState<Instance[] | undefined>();
  const [error, setError] = useState<ProblemError | undefined>();
  useEffect(() => {
    if (!admin) return;
    hub<Page<Instance>>(session, 'GET', '/instances')
      .then((page) => {
        const others = page.items.filter((instance) => instance.id !== workspace.instanceId);
        setInstances(others);
        if (!others.some((instance) => instance.id === value)) onInput(others[0]?.id ?? '');
      })
      .catch((caught: unknown) => setError(toProblemError(caught)));
  }, [admin, workspace.instanceId]);
  if (!admin) {
    return (
      <label>
        Target instance
        <input
          name="instanceId"
          placeholder="instance id, e.g. instance-b"
          value={value}
          onInput={(event) => onInput(event.currentTarget.value.trim())}
        />
      </label>
    );
  }
  return (
    <>
      <ProblemView error={error} />
      <label>
        Target instance
        <select name="instanceId" value={value} onChange={(event) => onInput(event.currentTarget.value)}>
          {(instances ?? []).map((instance) => (
            <option key={instance.id} value={instance.id}>
              {instance.id} ({instance.status}, {instance.workspaceCount} workspaces
              {instance.acceptsNewWorkspaces ? '' : ', takes no new ones'})
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

function isNotFound(caught: unknown): boolean {
  return caught instanceof ProblemError && caught.problem.status === 404;
}
