// Three kinds of tests, named for what they touch (STYLE.md):
// unit (*.spec.ts), integration against real Postgres and NATS (*.int-spec.ts),
// end to end across the Hub and two instances (*.e2e-spec.ts).
import { readFileSync } from 'node:fs';

const swcrc = JSON.parse(readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper: {
    // @fastify/static (serving /docs) requires content-disposition 3, which is ESM-only; Jest on
    // Jest's own CommonJS loader cannot require ESM (Node 24's require(esm) does not apply inside it), so
    // tests get version 2: the same API, in CommonJS.
    '^content-disposition$': '<rootDir>/node_modules/content-disposition/dist/index.js',
    '^@switchboard/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/apps/.*/dist/', '<rootDir>/libs/.*/dist/'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
};

const projects = [
  {
    ...common,
    displayName: 'unit',
    testMatch: ['<rootDir>/**/*.spec.ts'],
    globalSetup: undefined,
    globalTeardown: undefined,
  },
  { ...common, displayName: 'integration', testMatch: ['<rootDir>/**/*.int-spec.ts'] },
  { ...common, displayName: 'e2e', testMatch: ['<rootDir>/**/*.e2e-spec.ts'] },
];

// TEST_KIND=unit|integration|e2e runs one kind (so that path filters still work after it).
const kind = process.env.TEST_KIND;

export default {
  testTimeout: 30_000,
  // Once (one clean-clone CI run of 2026-11-30, all 1,376 tests passed), Jest did not exit after the run and
  // waited for minutes on a handle no single project leaves (each of unit, integration and e2e exits at once
  // alone, with --detectOpenHandles finding nothing). Until it is found, a finished run ends here rather than
  // hang CI; the note of that day says so.
  forceExit: true,
  projects: kind ? projects.filter((project) => project.displayName === kind) : projects,
};
