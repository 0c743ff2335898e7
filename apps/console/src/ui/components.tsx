import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

import type { ProblemError } from '../core/api';
import type { Paged } from '../core/paging';
import { toProblemError } from '../core/paging';
import { BASE, navigate } from '../core/router';

/** A failure as the problem's `title` and `detail` (role=alert, so tests and screen readers find it). */
export function ProblemView({ error }: { error: ProblemError | undefined }) {
  if (!error) return null;
  return (
    <div class="problem" role="alert">
      <strong class="problem-title">{error.problem.title}</strong>
      {error.problem.detail && <span class="problem-detail"> {error.problem.detail}</span>}
    </div>
  );
}

/** A link to a console path that navigates without reloading. */
export function Link({ to, children }: { to: string; children: ComponentChildren }) {
  return (
    <a
      href={`${BASE}${to}`}
      onClick={(event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** A column: its header and how a row shows in it. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
}

/** A paged table: rows, the problem if the page failed, and Previous/Next. */
export function PagedTable<T>({ label, paged, columns }: { label: string; paged: Paged<T>; columns: Column<T>[] }) {
  return (
    <section aria-label={label}>
      <ProblemView error={paged.error} />
      <table data-testid={label}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header}>{column.header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {paged.items.map((row, index) => (
            <tr key={index}>
              {columns.map((column) => (
                <td key={column.header}>{column.cell(row)}</td>
              ))}
            </tr>
          ))}
          {paged.items.length === 0 && !paged.loading && (
            <tr>
              <td colSpan={columns.length} class="empty">
                Nothing here yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <nav class="pager">
        <button type="button" disabled={paged.pageNumber <= 1} onClick={() => paged.previous()}>
          Previous
        </button>
        <span>Page {paged.pageNumber}</span>
        <button type="button" disabled={!paged.hasNext} onClick={() => paged.next()}>
          Next
        </button>
      </nav>
    </section>
  );
}

/** A button that runs an async action, shows it running, and shows its failure as a problem. */
export function ActionButton({
  label,
  run,
  confirm: question,
}: {
  label: string;
  run: () => Promise<unknown>;
  confirm?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ProblemError | undefined>();
  return (
    <span class="action">
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          if (question && !window.confirm(question)) return;
          setBusy(true);
          setError(undefined);
          run()
            .catch((caught: unknown) => setError(toProblemError(caught)))
            .finally(() => setBusy(false));
        }}
      >
        {label}
      </button>
      <ProblemView error={error} />
    </span>
  );
}

/** A date-time as the browser's locale shows it. */
export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

/** A JSON value as text: strings as they are, anything else as JSON ('' for none). */
export const showValue = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * Copies `text` to the clipboard (the Clipboard API: a secure context such as https or localhost, and the
 * page focused) and says whether it worked; a refusal is shown, never thrown.
 */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      onClick={() => {
        navigator.clipboard
          .writeText(text)
          .then(() => setState('copied'))
          .catch(() => setState('failed'));
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy refused: select and copy it' : label}
    </button>
  );
}
