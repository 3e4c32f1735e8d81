import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every `*.test.ts` under dir, at any depth (node 20's test runner takes no globs). */
export function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}
