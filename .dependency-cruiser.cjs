/**
 * Folder layering inside the apps (issue 11, item 7): a feature folder must not
 * import a folder that imports it back, directly or through a chain.
 * dependency-cruiser derives folder-to-folder dependencies from the file
 * imports ("scope: folder", https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md#scope)
 * and finds their cycles. Run by `npm run lint:folders` (scripts/folder-cycles.mjs),
 * which fails on any such cycle (there is no allow-list; see ARCHITECTURE.md).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment: 'A folder inside apps/*/src imports a folder that imports it back (directly or through a chain).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^apps/[^/]+/src/' },
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: '^apps/[^/]+/src/',
    // Tests may reach across folders for fixtures; the layering is about what the service runs.
    exclude: { path: '\\.(spec|int-spec|e2e-spec)\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies of the design too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
