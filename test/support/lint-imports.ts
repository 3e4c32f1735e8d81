import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { plugin as typescriptEslintPlugin } from 'typescript-eslint';

export const repoRoot = join(__dirname, '..', '..');

/**
 * The import guards of eslint.config.mjs, run on code that need not exist on disk. Such files are outside
 * tsconfig.json's program, so only the type-aware parts are switched off (the parser's projectService and the rules
 * that need type information); every other rule, no-restricted-imports included, is the real config's.
 */
export const typeAwareRulesOff: Linter.RulesRecord = Object.fromEntries(
  Object.entries((typescriptEslintPlugin as ESLint.Plugin).rules ?? {})
    .filter(([, rule]) => (rule.meta?.docs as { requiresTypeChecking?: boolean } | undefined)?.requiresTypeChecking)
    .map(([name]) => [`@typescript-eslint/${name}`, 'off']),
);

export const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } }, rules: typeAwareRulesOff },
});

/** The no-restricted-imports reports for `code` linted as the file at `filePath` (relative to the repository). */
export async function restrictedImports(code: string, filePath: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, filePath) });
  assert.ok(result, `no lint result for ${filePath}`);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${filePath} did not parse`);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports');
}

/** Every .ts file under `dir`, at any depth. */
export function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return typeScriptFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}
