// Compiles every lib and app from src/ to dist/ with swc (types are checked
// separately by `npm run typecheck`). Libs resolve at run time through npm
// workspaces: node_modules/@switchboard/<lib> -> libs/<lib>, whose exports
// point at dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const swc = join(root, 'node_modules/.bin/swc');
const projects = ['libs', 'apps'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .map((name) => join(root, dir, name))
    .filter((path) => existsSync(join(path, 'src'))),
);

for (const project of projects) {
  rmSync(join(project, 'dist'), { recursive: true, force: true });
  execFileSync(
    swc,
    [
      'src',
      '--out-dir',
      'dist',
      '--strip-leading-paths',
      '--config-file',
      join(root, '.swcrc'),
      '--ignore',
      '**/*.spec.ts,**/*.int-spec.ts,**/*.e2e-spec.ts',
      '--quiet',
    ],
    { cwd: project, stdio: 'inherit' },
  );
}
console.log(`built ${projects.length} projects`);
