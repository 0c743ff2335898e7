/**
 * Delay before the next attempt after `attempts` failed ones: exponential from
 * `minMs`, capped at `maxMs`, with jitter over the upper half so that
 * receivers coming back are not hit by every retry at once.
 */
export function deliveryBackoffMs(attempts: number, minMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
