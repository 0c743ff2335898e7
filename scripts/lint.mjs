// `npm run lint`: ESLint with the Nx module boundaries that cannot be skipped, the folder-cycle
// check, then Prettier. Exits non-zero on any finding, and when the boundary rule could not run.
//
// Why: `@nx/enforce-module-boundaries` reads the project graph that Nx cached; when there is none
// (ESLint run alone, a fresh clone, a moved cache) it prints "No cached ProjectGraph is available.
// The rule will be skipped." and ESLint still exits 0. Here the graph is built first (`nx graph
// --file`), ESLint runs in this process through its Node API, and the run fails unless the rule
// loaded the graph: the plugin keeps what it loaded in `globalThis.projectGraph`
// (@nx/eslint-plugin, utils/project-graph-utils.js, `ensureGlobalProjectGraph`).
//
// Usage: node scripts/lint.mjs [files or folders…]   (default: the whole repository)
//   --cached-graph-only  lint with whatever graph Nx has cached, as an editor does (no `nx graph`);
//                        the test of this script uses it to show that a missing graph fails the run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const cachedGraphOnly = args.includes('--cached-graph-only');
const targets = args.filter((arg) => !arg.startsWith('--'));
const whole = targets.length === 0;

function fail(sentence) {
  console.error(`lint: ${sentence}`);
  process.exit(1);
}

function run(command, commandArgs) {
  const result = spawnSync(process.execPath, [join(root, command), ...commandArgs], {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  });
  return result.status ?? 1;
}

/** Builds the project graph (and so Nx's cache the rule reads) and checks that every project is tagged. */
function buildProjectGraph() {
  const directory = mkdtempSync(join(tmpdir(), 'sb-nx-graph-'));
  try {
    const file = join(directory, 'graph.json');
    const status = spawnSync(
      process.execPath,
      [join(root, 'node_modules/nx/dist/bin/nx.js'), 'graph', `--file=${file}`],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, NX_DAEMON: 'false' },
      },
    ).status;
    if (status !== 0)
      fail('Nx could not build the project graph (`nx graph`), so module boundaries cannot be checked.');
    const { graph } = JSON.parse(readFileSync(file, 'utf8'));
    const untagged = Object.values(graph.nodes).filter((node) => (node.data.tags ?? []).length === 0);
    if (untagged.length > 0) {
      fail(
        `project(s) without Nx tags, which the boundary rule cannot place: ${untagged.map((n) => n.name).join(', ')}`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (!cachedGraphOnly) buildProjectGraph();

const eslint = new ESLint({ cwd: root });
const results = await eslint.lintFiles(whole ? ['.'] : targets);
const formatter = await eslint.loadFormatter('stylish');
const report = await formatter.format(results);
if (report) console.log(report);
const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
const warnings = results.reduce((sum, result) => sum + result.warningCount, 0);
if (errors > 0 || warnings > 0) fail(`ESLint found ${errors} error(s) and ${warnings} warning(s) (zero allowed).`);
const linted = results.some((result) => result.filePath.endsWith('.ts'));
if (linted && globalThis.projectGraph === undefined) {
  fail(
    '@nx/enforce-module-boundaries did not run: it found no cached project graph. ' +
      'Run `npx nx reset` and `npx nx show projects`, then lint again.',
  );
}

if (whole) {
  if (run('scripts/folder-cycles.mjs', []) !== 0) process.exit(1);
  if (run('node_modules/prettier/bin/prettier.cjs', ['--check', '.', '--log-level', 'warn']) !== 0) process.exit(1);
}
