import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Runs one of the repository's scripts as `npm run lint` does, and says how it ended. */
const script = (name: string, args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(process.execPath, [join('scripts', name), ...args], {
    cwd: process.cwd(),
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

describe('npm run lint cannot skip the module boundaries', () => {
  const empty = mkdtempSync(join(tmpdir(), 'sb-nx-empty-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('fails when no project graph is cached, where ESLint alone would skip the rule and pass', () => {
    const run = script('lint.mjs', ['--cached-graph-only', 'apps/hub/src/main.ts'], {
      NX_WORKSPACE_DATA_DIRECTORY: empty,
    });
    expect(run.status).toBe(1);
    expect(run.output).toContain('@nx/enforce-module-boundaries did not run');
  }, 180_000);

  it('builds the graph first, then lints with the rule in force', () => {
    const run = script('lint.mjs', ['apps/hub/src/main.ts']);
    expect({ status: run.status, output: run.output }).toEqual({ status: 0, output: expect.any(String) });
  }, 180_000);
});

describe('folders inside apps/*/src that import each other', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  /** A repository of a few folders: `imports` maps each folder to the folders its file imports. */
  const fixture = (imports: Record<string, string[]>, extra: Record<string, string> = {}): string => {
    const root = mkdtempSync(join(tmpdir(), 'sb-folder-cycles-'));
    roots.push(root);
    writeFileSync(
      join(root, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true } }),
    );
    for (const [folder, targets] of Object.entries(imports)) {
      const file = join(root, 'apps/demo/src', folder, `${folder}.ts`);
      mkdirSync(dirname(file), { recursive: true });
      const lines = targets.map((target) => `import { ${target} } from '../${target}/${target}.js';`);
      writeFileSync(file, `${lines.join('\n')}\nexport const ${folder} = [${targets.join(', ')}].length;\n`);
    }
    for (const [path, text] of Object.entries(extra)) writeFileSync(join(root, path), text);
    return root;
  };
  const check = (root: string) => script('folder-cycles.mjs', ['--root', root]);

  it('passes a layered tree', () => {
    expect(check(fixture({ a: ['b'], b: ['c'], c: [] })).status).toBe(0);
  }, 60_000);

  it('fails on two folders importing each other, naming the cycle', () => {
    const run = check(fixture({ a: ['b'], b: ['a'], c: [] }));
    expect(run.status).toBe(1);
    expect(run.output).toContain('cycle (direct): apps/demo/src/a -> apps/demo/src/b -> apps/demo/src/a');
  }, 60_000);

  it('fails on a cycle through a chain of folders, naming every pair in it', () => {
    const run = check(fixture({ a: ['b'], b: ['c'], c: ['a'] }));
    expect(run.status).toBe(1);
    expect(run.output.match(/cycle \(chain\)/g)).toHaveLength(3);
  }, 60_000);

  it('has no allow-list: a cycle fails even when an old folder-cycles.allowed.json names it', () => {
    const known = JSON.stringify({ 'apps/demo/src/a <-> apps/demo/src/b': 'direct' });
    const run = check(fixture({ a: ['b'], b: ['a'], c: [] }, { 'folder-cycles.allowed.json': known }));
    expect(run.status).toBe(1);
    expect(run.output).toContain('cycle (direct): apps/demo/src/a -> apps/demo/src/b -> apps/demo/src/a');
  }, 60_000);

  it('does not count the root files (the module that wires every folder) as a folder', () => {
    const root = fixture({ a: ['b'], b: [] });
    writeFileSync(
      join(root, 'apps/demo/src/demo.module.ts'),
      "import { a } from './a/a.js';\nimport { b } from './b/b.js';\nexport const all = [a, b];\n",
    );
    writeFileSync(join(root, 'apps/demo/src/config.ts'), 'export const config = 1;\n');
    writeFileSync(
      join(root, 'apps/demo/src/b/b.ts'),
      "import { config } from '../config.js';\nexport const b = config;\n",
    );
    expect(check(root).status).toBe(0);
  }, 60_000);

  it('holds for this repository: no folder imports a folder that imports it back', () => {
    const run = script('folder-cycles.mjs', []);
    expect({ status: run.status, output: run.output }).toEqual({
      status: 0,
      output: expect.stringMatching(/folder cycles: none/),
    });
  }, 120_000);
});
