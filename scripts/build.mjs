// Compiles every lib and app from src/ to dist/ with swc (types are checked
// separately by `npm run typecheck`). Libs resolve at run time through npm
// workspaces: node_modules/@switchboard/<lib> -> libs/<lib>, whose exports
// point at dist/. The web console (apps/console, a browser app) is built by Vite instead, into
// apps/console/dist, which the Hub serves at /console.
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
const browserApps = new Set([join(root, 'apps', 'console')]);

for (const project of projects.filter((path) => !browserApps.has(path))) {
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
for (const project of browserApps) {
  execFileSync(join(root, 'node_modules/.bin/vite'), ['build', '--config', join(project, 'vite.config.mjs')], {
    cwd: project,
    stdio: 'inherit',
  });
}
console.log(`built ${projects.length} projects`);
