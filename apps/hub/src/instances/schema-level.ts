/** An instance as far as its schema level goes: `schemaLevel` null when it never reported one (unknown). */
export interface LeveledInstance {
  id: string;
  schemaLevel: string | null;
}

/**
 * Why a workspace cannot move from `source` to `target` for their databases' schema levels (the latest
 * migration each applied, `SCHEMA_LEVEL` in `@switchboard/contracts`), or null when it can. The rows a
 * move copies are exported by one schema and upserted into the other as they are, so the two must be the
 * same (issue 14: during a rolling upgrade a move between an upgraded and a not yet upgraded instance
 * stayed in `copying`, its imports refused, with no reason given).
 * - `start` (POST …/move, a drain's choice of target): both levels known and equal; an unknown level (an
 *   instance from before levels were reported) is refused too, since nothing says it is the same.
 * - `running` (the move worker, at each claim and phase change): the levels differ, a level known on one
 *   side only included (one side was upgraded during the move); both unknown is not a difference seen
 *   (a move started before the Hub recorded levels), and it goes on.
 * The reason names both instances and both levels (`unknown` for none).
 */
export function schemaMismatch(
  source: LeveledInstance,
  target: LeveledInstance,
  when: 'start' | 'running',
): string | null {
  if (source.schemaLevel === target.schemaLevel) {
    if (source.schemaLevel !== null || when === 'running') return null;
  }
  const level = (instance: LeveledInstance) => instance.schemaLevel ?? 'unknown (not reported)';
  return (
    `Instance ${source.id} is at schema level ${level(source)} and instance ${target.id} at ${level(target)}: ` +
    'a workspace moves only between instances at the same schema level (run the same version with its ' +
    'migrations on both, then move).'
  );
}
