// The console's build (scripts/build.mjs runs it): Preact through Vite's own JSX transform, served
// by the Hub under /console/ with hashed asset names (cached for a year; index.html never).
import { defineConfig } from 'vite';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, modulePreload: { polyfill: false } },
});
