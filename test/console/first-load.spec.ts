import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Issue 15's budget for the console's first load: HTML + JS + CSS, gzip-compressed. */
const BUDGET_BYTES = 300 * 1024;
const dist = join(process.cwd(), 'apps/console/dist');

/**
 * The console's first load, measured on the build output (`npm run build`): index.html and every script
 * and stylesheet it references, each gzipped at level 9 as a server would send it.
 */
describe('console first load', () => {
  it('is built, references only its own hashed files, and weighs at most 300 KB gzipped', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const referenced = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.(?:js|css))"/g)].map(
      (found) => found[1] ?? '',
    );
    expect(referenced.some((file) => file.endsWith('.js'))).toBe(true);
    expect(referenced.some((file) => file.endsWith('.css'))).toBe(true);
    // No inline script: the Hub's CSP (script-src 'self') would refuse it.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const files = [html, ...referenced.map((file) => readFileSync(join(dist, file), 'utf8'))];
    const compressed = files.reduce((sum, content) => sum + gzipSync(content, { level: 9 }).length, 0);
    console.log(`console first load: ${compressed} bytes gzipped (${files.length} files)`);
    expect(referenced.every((file) => existsSync(join(dist, file)))).toBe(true);
    expect(compressed).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
