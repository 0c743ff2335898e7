import { ProblemError } from './api';

/**
 * The text of a JSON textarea as an object, checked in the browser before it is sent.
 * @throws ProblemError (status 0) titled "`what` is not a JSON object", the parser's message as its detail.
 */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (caught) {
    throw new ProblemError({
      status: 0,
      title: `${what} is not a JSON object`,
      detail: caught instanceof Error ? caught.message : String(caught),
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProblemError({ status: 0, title: `${what} is not a JSON object`, detail: 'Write { … }.' });
  }
  return parsed as Record<string, unknown>;
}
