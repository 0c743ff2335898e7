import { useCallback, useEffect, useState } from 'preact/hooks';

import { type Page, ProblemError } from './api';

/** Rows the console asks for per page (the APIs' `limit`; they default to 100): never a whole table. */
export const PAGE_SIZE = 50;

/** The state of a paged list: the current page, where it came from, and how to move. */
export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: ProblemError | undefined;
  pageNumber: number;
  hasNext: boolean;
  next(): void;
  previous(): void;
  reload(): void;
}

/**
 * A list read a page at a time with the APIs' opaque cursors: a stack of the cursors seen so far makes
 * Previous work. `deps` restart it from the first page; `refreshMs` re-reads the current page (live state).
 */
export function usePaged<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  deps: unknown[],
  refreshMs?: number,
): Paged<T> {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page<T> | undefined>();
  const [error, setError] = useState<ProblemError | undefined>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(fetchPage, deps);
  useEffect(() => setCursors([undefined]), deps);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load(cursor)
      .then((result) => {
        if (!live) return;
        setPage(result);
        setError(undefined);
      })
      .catch((caught: unknown) => {
        if (live) setError(toProblemError(caught));
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [load, cursor, tick]);
  useEffect(() => {
    if (!refreshMs) return;
    const timer = setInterval(() => setTick((value) => value + 1), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs]);

  return {
    items: page?.items ?? [],
    loading,
    error,
    pageNumber: cursors.length,
    hasNext: Boolean(page?.cursor),
    next: () => page?.cursor && setCursors([...cursors, page.cursor]),
    previous: () => cursors.length > 1 && setCursors(cursors.slice(0, -1)),
    reload: () => setTick((value) => value + 1),
  };
}

/** Any thrown value as a ProblemError (a bug of ours shows its message). */
export function toProblemError(caught: unknown): ProblemError {
  if (caught instanceof ProblemError) return caught;
  return new ProblemError({ status: 0, title: 'Unexpected error', detail: String(caught) });
}
