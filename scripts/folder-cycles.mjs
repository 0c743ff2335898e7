// Folders inside apps/*/src that import each other (issue 11, item 7): fails on any pair of folders
// that import each other, directly or through a chain, naming the cycle. There is no allow-list:
// the folders form layers (ARCHITECTURE.md), and a file that needs a folder above its own moves
// down, or the shared piece does.
//
// dependency-cruiser (.dependency-cruiser.cjs) derives the folder-to-folder dependencies from the
// file imports (type-only imports included, tests excluded); two folders are a pair when each
// reaches the other (they are in one strongly connected component of that graph). A pair is
// "direct" when each imports the other itself, else "chain". Files directly in apps/<app>/src
// (main.ts, <app>.module.ts, <app>.entities.ts, config.ts) are the root, not a folder.
//
// Usage: node scripts/folder-cycles.mjs [--root <dir>]
//   --root     the repository to check (default: this one; the test points it at fixtures)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const root = resolve(option('--root') ?? here);
const FOLDER = /^apps\/[^/]+\/src\/.+/;

function fail(sentence) {
  console.error(`folder cycles: ${sentence}`);
  process.exit(1);
}

/** Folder → the folders it imports, as dependency-cruiser derives them. */
function folderGraph() {
  const apps = ['apps'].filter((dir) => existsSync(join(root, dir)));
  if (apps.length === 0) fail(`no apps/ folder under ${root}`);
  const result = spawnSync(
    process.execPath,
    [
      join(here, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
      '--config',
      join(here, '.dependency-cruiser.cjs'),
      '--output-type',
      'json',
      ...apps,
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  let cruised;
  try {
    cruised = JSON.parse(result.stdout);
  } catch {
    fail(`dependency-cruiser gave no result (exit ${result.status}): ${result.stderr.slice(0, 2000)}`);
  }
  if (!Array.isArray(cruised.folders))
    fail('dependency-cruiser derived no folder dependencies (its folder rule is missing)');
  return new Map(cruised.folders.map((folder) => [folder.name, folder.dependencies.map((d) => d.name)]));
}

function reachable(graph, from) {
  const seen = new Set();
  const stack = [from];
  while (stack.length > 0) {
    for (const next of graph.get(stack.pop()) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

/** A shortest import path from one folder to another, to show where a new cycle runs. */
function pathBetween(graph, from, to) {
  const previous = new Map([[from, undefined]]);
  const queue = [from];
  while (queue.length > 0) {
    const folder = queue.shift();
    if (folder === to) break;
    for (const next of graph.get(folder) ?? []) {
      if (!previous.has(next)) {
        previous.set(next, folder);
        queue.push(next);
      }
    }
  }
  const path = [];
  for (let at = to; at !== undefined; at = previous.get(at)) path.unshift(at);
  return path;
}

/** Every pair of folders that import each other, as "a <-> b" (a < b) → "direct" | "chain". */
function pairsOf(graph) {
  const folders = [...graph.keys()].filter((name) => FOLDER.test(name)).sort();
  const reach = new Map(folders.map((folder) => [folder, reachable(graph, folder)]));
  const pairs = {};
  for (const a of folders) {
    for (const b of folders) {
      if (a < b && reach.get(a).has(b) && reach.get(b).has(a)) {
        const direct = graph.get(a).includes(b) && graph.get(b).includes(a);
        pairs[`${a} <-> ${b}`] = direct ? 'direct' : 'chain';
      }
    }
  }
  return pairs;
}

const graph = folderGraph();
const found = Object.entries(pairsOf(graph));
if (found.length > 0) {
  const cycles = found.map(([pair, kind]) => {
    const [a, b] = pair.split(' <-> ');
    return `cycle (${kind}): ${[...pathBetween(graph, a, b), ...pathBetween(graph, b, a).slice(1)].join(' -> ')}`;
  });
  fail(
    `${cycles.length} pair(s) of folders import each other; move the shared piece below both (ARCHITECTURE.md):\n  ` +
      cycles.join('\n  '),
  );
}
console.log('folder cycles: none (no folder inside apps/*/src imports a folder that imports it back)');
