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
  const fixture = (imports: Record<string, string[]>, allowed: Record<string, string> = {}): string => {
    const root = mkdtempSync(join(tmpdir(), 'sb-folder-cycles-'));
    roots.push(root);
    writeFileSync(
      join(root, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true } }),
    );
    writeFileSync(join(root, 'folder-cycles.allowed.json'), JSON.stringify(allowed));
    for (const [folder, targets] of Object.entries(imports)) {
      const file = join(root, 'apps/demo/src', folder, `${folder}.ts`);
      mkdirSync(dirname(file), { recursive: true });
      const lines = targets.map((target) => `import { ${target} } from '../${target}/${target}.js';`);
      writeFileSync(file, `${lines.join('\n')}\nexport const ${folder} = [${targets.join(', ')}].length;\n`);
    }
    return root;
  };
  const check = (root: string) => script('folder-cycles.mjs', ['--root', root]);
  const pair = (a: string, b: string) => `apps/demo/src/${a} <-> apps/demo/src/${b}`;

  it('passes a layered tree', () => {
    expect(check(fixture({ a: ['b'], b: ['c'], c: [] })).status).toBe(0);
  }, 60_000);

  it('fails on two folders importing each other, naming the cycle', () => {
    const run = check(fixture({ a: ['b'], b: ['a'], c: [] }));
    expect(run.status).toBe(1);
    expect(run.output).toContain('NEW cycle (direct): apps/demo/src/a -> apps/demo/src/b -> apps/demo/src/a');
  }, 60_000);

  it('fails on a cycle through a chain of folders, naming every pair in it', () => {
    const run = check(fixture({ a: ['b'], b: ['c'], c: ['a'] }));
    expect(run.status).toBe(1);
    expect(run.output.match(/NEW cycle \(chain\)/g)).toHaveLength(3);
  }, 60_000);

  it('passes the cycles the allow-list names, and fails on one more', () => {
    const known = { [pair('a', 'b')]: 'direct' };
    expect(check(fixture({ a: ['b'], b: ['a'], c: [] }, known)).status).toBe(0);
    const run = check(fixture({ a: ['b'], b: ['a'], c: ['d'], d: ['c'] }, known));
    expect(run.status).toBe(1);
    expect(run.output).toContain('NEW cycle (direct): apps/demo/src/c -> apps/demo/src/d -> apps/demo/src/c');
    expect(run.output).not.toContain('apps/demo/src/a ->');
  }, 60_000);

  it('fails when a listed cycle is gone, so that the list only shrinks', () => {
    const run = check(fixture({ a: ['b'], b: [], c: [] }, { [pair('a', 'b')]: 'direct' }));
    expect(run.status).toBe(1);
    expect(run.output).toContain(`no longer a cycle, remove it from the allow-list: ${pair('a', 'b')}`);
  }, 60_000);

  it('holds for this repository: no cycle beyond the known ones, none of them gone', () => {
    const run = script('folder-cycles.mjs', []);
    expect({ status: run.status, output: run.output }).toEqual({
      status: 0,
      output: expect.stringMatching(/none new/),
    });
  }, 120_000);
});
