/**
 * The determinism guard of eslint.config.mjs: workflow code is bundled into Temporal's sandbox, so it may not import
 * the integrations, the gateway, the worker, the stand-ins, Node built-ins or activities as values. These tests lint
 * made-up workflow files at several depths under workflows/ with the repository's real ESLint config, so a pattern
 * that only holds one folder deep (`../integrations/*`) fails here. The files are virtual (lintText with a path that
 * is not on disk); test/support/lint-imports.ts says what that switches off.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { type Linter } from 'eslint';
import { eslint, repoRoot, restrictedImports, typeAwareRulesOff, typeScriptFiles } from '../support/lint-imports';

/** Workflow files one, two and three folders deep, with the relative prefix that reaches the repository root. */
const DEPTHS = [
  { filePath: 'workflows/x.ts', up: '../' },
  { filePath: 'workflows/reconciler/x.ts', up: '../../' },
  { filePath: 'workflows/grant/phase/x.ts', up: '../../../' },
];

describe('the determinism guard for workflow code (eslint.config.mjs)', () => {
  test('the guard is no-restricted-imports from the real config, not something this test adds', async () => {
    const config = (await eslint.calculateConfigForFile(join(repoRoot, 'workflows/grant/phase/x.ts'))) as Linter.Config;
    const rule = config.rules?.['no-restricted-imports'];
    assert.ok(Array.isArray(rule) && (rule[0] === 2 || rule[0] === 'error'), JSON.stringify(rule));
    // What the override switches off is the type-aware rules only.
    assert.ok('@typescript-eslint/no-floating-promises' in typeAwareRulesOff);
    assert.ok(Object.keys(typeAwareRulesOff).every((name) => name.startsWith('@typescript-eslint/')));
    assert.ok(!('@typescript-eslint/consistent-type-imports' in typeAwareRulesOff));
  });

  for (const { filePath, up } of DEPTHS) {
    describe(`a workflow file at ${filePath}`, () => {
      const forbiddenValueImports = [
        `${up}integrations/jumpcloud/jumpcloud-error`,
        `${up}integrations/slack/block-kit/ids`,
        `${up}activities`,
        `${up}activities/membership`,
        `${up}gateway/config`,
        `${up}stand-ins/jumpcloud/jumpcloud-stand-in`,
        `${up}worker/config`,
        `${up}sandbox/demo-world`,
        `${up}test/support/temporal`,
        `${up}bench/run`,
        `${up}scripts/build-workflow-bundle`,
        `${up}config/env`,
        `${up}config/policy`,
        'node:fs',
        '@slack/web-api',
        'fastify',
        'pino',
        '@temporalio/activity',
        '@temporalio/client',
        '@temporalio/worker',
      ];
      for (const source of forbiddenValueImports) {
        test(`may not import ${source} as a value`, async () => {
          const reported = await restrictedImports(
            `import * as imported from '${source}';\nexport { imported };\n`,
            filePath,
          );
          assert.equal(reported.length, 1, `import of ${source} from ${filePath} passed the guard`);
        });
      }

      test('may import the activities as types only', async () => {
        for (const code of [
          `import type { Activities } from '${up}activities';\nexport type { Activities };\n`,
          `import { type Activities } from '${up}activities';\nexport type { Activities };\n`,
          `import type { Membership } from '${up}activities/membership';\nexport type { Membership };\n`,
        ]) {
          assert.deepEqual(await restrictedImports(code, filePath), [], code);
        }
      });

      test('may import @temporalio/workflow, @temporalio/common and the pure duration helpers', async () => {
        const code = [
          `import * as wf from '@temporalio/workflow';`,
          `import { defineSearchAttributeKey } from '@temporalio/common';`,
          `import { formatDuration } from '${up}config/durations';`,
          `export { wf, defineSearchAttributeKey, formatDuration };`,
          '',
        ].join('\n');
        assert.deepEqual(await restrictedImports(code, filePath), []);
      });
    });
  }

  test('every import in the real workflow code passes the guard (no pattern catches a workflow-local module)', async () => {
    const workflowFiles = typeScriptFiles(join(repoRoot, 'workflows'));
    assert.ok(workflowFiles.length > 5, `only ${workflowFiles.length} workflow files found`);
    for (const file of workflowFiles) {
      const reported = await restrictedImports(readFileSync(file, 'utf8'), relative(repoRoot, file));
      assert.deepEqual(
        reported.map((m) => `${m.line}: ${m.message}`),
        [],
        relative(repoRoot, file),
      );
    }
  });
});
