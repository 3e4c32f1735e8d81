import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Product code ships in the image; the stand-ins, the demo, the tests, benchmarks and scripts never do. */
const productImportPatterns = [
  {
    group: ['**/stand-ins/*', '**/sandbox/*', '**/test/*', '**/bench/*', '**/scripts/*'],
    message: 'Product code does not import the stand-ins, the sandbox, tests, benchmarks or scripts.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test-artifacts/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    // The sandbox page: ES modules loaded by the browser as they are, type-checked by sandbox/web/tsconfig.json.
    files: ['sandbox/web/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    // Product code: what ships in the image. The stand-ins, the demo and the tests are never part of it.
    files: ['activities/**/*.ts', 'integrations/**/*.ts', 'worker/**/*.ts', 'gateway/**/*.ts', 'config/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: productImportPatterns }] },
  },
  {
    // The gateway faces the internet and holds a Read Only JumpCloud key: it reads through JumpCloudReadClient and
    // never imports the client that changes memberships (the worker's). test/unit/gateway-read-only.test.ts proves it.
    files: ['gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...productImportPatterns,
            {
              group: ['**/integrations/jumpcloud/jumpcloud-client'],
              importNames: ['JumpCloudClient'],
              message: 'The gateway only reads JumpCloud: use JumpCloudReadClient.',
            },
          ],
        },
      ],
    },
  },
  {
    // The stand-ins follow the vendors' contracts, not our code; only the dev server registers our search attributes.
    files: ['stand-ins/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/activities',
                '**/activities/*',
                '**/integrations/*',
                '**/gateway/*',
                '**/worker/*',
                '**/config/*',
                '**/sandbox/*',
                '**/test/*',
                '**/workflows/*',
                '!**/workflows/search-attributes',
              ],
              message: 'Stand-ins are independent of the product (they may only read the search-attribute keys).',
            },
          ],
        },
      ],
    },
  },
  {
    // Scripts and benchmarks may drive the product and the stand-ins, never test code.
    files: ['scripts/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test/*'], message: 'Scripts and benchmarks do not import test code.' }] },
      ],
    },
  },
  {
    // Workflow code is bundled into Temporal's deterministic sandbox: no Node built-ins, no side-effecting SDKs.
    // The patterns start with `**/` so they hold at any depth under workflows/ (workflows/grant/x.ts reaches the
    // integrations as ../../integrations); test/unit/workflow-import-guard.test.ts proves it.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code runs in a deterministic sandbox without Node built-ins.' },
            {
              group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'],
              message: 'Workflow code may only import @temporalio/workflow and @temporalio/common.',
            },
            {
              group: [
                '@slack/*',
                'fastify',
                'pino',
                '**/integrations/*',
                '**/gateway/*',
                '**/worker/*',
                '**/stand-ins/*',
                '**/sandbox/*',
                '**/test/*',
                '**/bench/*',
                '**/scripts/*',
              ],
              message: 'No I/O from workflow code.',
            },
            {
              group: ['**/activities', '**/activities/*'],
              message: 'Import activities as types only.',
              allowTypeImports: true,
            },
            {
              // config/durations is pure arithmetic on strings; the rest reads the environment and files.
              group: ['**/config/*', '!**/config/durations'],
              message:
                'Workflow code may import only config/durations as a value; the rest of config/ reads the environment and files.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
