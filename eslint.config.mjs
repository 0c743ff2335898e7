import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.nx/**', 'bench/results/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx, 'simple-import-sort': simpleImportSort },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Scope: an app never imports the other app; shared libs import only shared libs.
            { sourceTag: 'scope:hub', onlyDependOnLibsWithTags: ['scope:hub', 'scope:shared'] },
            { sourceTag: 'scope:instance', onlyDependOnLibsWithTags: ['scope:instance', 'scope:shared'] },
            // The gateway routes HTTP by placements it learns over NATS: it imports shared libs only.
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            // The CLI talks to the Hub over HTTP only: it imports no app and no lib.
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: [] },
            // The web console is a browser app: it talks HTTP to the Hub and instances, imports no app or lib.
            { sourceTag: 'scope:console', onlyDependOnLibsWithTags: [] },
            // Type: apps use anything below them; contracts stand alone; utils never reach data or apps.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:feature', 'type:data', 'type:util', 'type:contracts', 'type:testing'],
            },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:data', 'type:util', 'type:contracts'] },
            { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:data', 'type:util', 'type:contracts'] },
          ],
        },
      ],
    },
  },
  {
    // Data access (ARCHITECTURE.md): SQL lives in <feature>.repository.ts, and rows are typed by
    // decoding them (Table, queryRows in libs/persistence), never by a type argument on query().
    files: ['apps/*/src/**/*.ts'],
    ignores: [
      '**/*.repository.ts',
      '**/migrations/**',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      // The scoped transaction itself: BEGIN with the RLS settings, COMMIT, ROLLBACK.
      'apps/instance/src/database/tenant-scope.ts',
      // A command-line script on its own pg client, outside Nest (see libs/persistence rewrapSealedColumns).
      'apps/*/src/rewrap-secrets.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='query'][callee.object.name=/^(manager|dataSource|runner|queryRunner|client|tx|em|pool|db)$/]",
          message:
            'SQL belongs in the feature\'s <feature>.repository.ts (ARCHITECTURE.md, "Where a new feature\'s files go").',
        },
        {
          selector:
            "CallExpression[callee.property.name='query'][callee.object.property.name=/^(manager|dataSource|runner|queryRunner|pool|db)$/]",
          message:
            'SQL belongs in the feature\'s <feature>.repository.ts (ARCHITECTURE.md, "Where a new feature\'s files go").',
        },
        {
          selector: "CallExpression[callee.property.name='query'][typeArguments]",
          message:
            'Type rows by decoding them (Table.query, queryRows from @switchboard/persistence), not by query<T>().',
        },
      ],
    },
  },
  {
    files: ['apps/*/src/**/*.repository.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query'][typeArguments]",
          message:
            'Type rows by decoding them (Table.query, queryRows from @switchboard/persistence), not by query<T>().',
        },
      ],
    },
  },
  {
    // Tests may use the looser patterns that assertions need.
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      'test/**/*.ts',
      'apps/*/test/**/*.ts',
      'bench/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
