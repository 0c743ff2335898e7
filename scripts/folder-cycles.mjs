// Folders inside apps/*/src that import each other (issue 11, item 7): fails on a NEW pair of
// folders that import each other, directly or through a chain, and on a listed pair that no longer
// does, so that the allow-list (folder-cycles.allowed.json) only ever shrinks.
//
// dependency-cruiser (.dependency-cruiser.cjs) derives the folder-to-folder dependencies from the
// file imports (type-only imports included, tests excluded); two folders are a pair when each
// reaches the other (they are in one strongly connected component of that graph). A pair is
// "direct" when each imports the other itself, else "chain".
//
// Usage: node scripts/folder-cycles.mjs [--root <dir>] [--allowed <file>]
//   --root     the repository to check (default: this one; the test points it at fixtures)
//   --allowed  the allow-list (default: <root>/folder-cycles.allowed.json)
//   --write    rewrite the allow-list with today's pairs (only after removing a cycle)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const root = resolve(option('--root') ?? here);
const allowedFile = resolve(option('--allowed') ?? join(root, 'folder-cycles.allowed.json'));
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
const found = pairsOf(graph);

if (args.includes('--write')) {
  writeFileSync(allowedFile, `${JSON.stringify(found, null, 2)}\n`);
  console.log(`folder cycles: wrote ${Object.keys(found).length} pair(s) to ${allowedFile}`);
  process.exit(0);
}

const allowed = existsSync(allowedFile) ? JSON.parse(readFileSync(allowedFile, 'utf8')) : {};
const problems = [];
for (const [pair, kind] of Object.entries(found)) {
  const [a, b] = pair.split(' <-> ');
  const cycle = [...pathBetween(graph, a, b), ...pathBetween(graph, b, a).slice(1)].join(' -> ');
  if (!(pair in allowed)) problems.push(`NEW cycle (${kind}): ${cycle}`);
  else if (allowed[pair] === 'chain' && kind === 'direct') problems.push(`now imported both ways directly: ${cycle}`);
}
for (const [pair, kind] of Object.entries(allowed)) {
  if (!(pair in found)) problems.push(`no longer a cycle, remove it from the allow-list: ${pair}`);
  else if (kind === 'direct' && found[pair] === 'chain') {
    problems.push(`no longer imported both ways directly, mark it "chain" in the allow-list: ${pair}`);
  }
}
if (problems.length > 0) {
  fail(
    `${problems.length} difference(s) from ${allowedFile} (it lists the known cycles and only shrinks):\n  ` +
      problems.join('\n  '),
  );
}
console.log(`folder cycles: ${Object.keys(found).length} known pair(s), none new`);
