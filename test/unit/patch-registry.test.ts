/**
 * The patch registry (workflows/patches.ts) is the only place a patch ID is spelled: every workflow asks through it,
 * every entry is asked somewhere, and every patch marker in the recorded histories names an entry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { LATER_GRANT_PATCHES } from '../../workflows/grant/grant-run';
import { PATCHES, type PatchName } from '../../workflows/patches';

const root = join(__dirname, '..', '..');
const workflowsDir = join(root, 'workflows');
const historiesDir = join(root, 'test', 'workflows', 'histories');
const registryFile = join(workflowsDir, 'patches.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const workflowSources = sourceFiles(workflowsDir).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const names = Object.keys(PATCHES) as PatchName[];

/** The patch IDs of the `core_patch` markers in one recorded history (their payload is JSON `{ id, deprecated }`). */
function markerIds(historyJson: string): string[] {
  const history = JSON.parse(historyJson) as {
    events: Array<{
      markerRecordedEventAttributes?: {
        markerName?: string;
        details?: Record<string, { payloads?: Array<{ data?: string }> }>;
      };
    }>;
  };
  return history.events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    return Object.values(marker.details ?? {}).flatMap((detail) =>
      (detail.payloads ?? []).map(
        (p) => (JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as { id: string }).id,
      ),
    );
  });
}

const fixtures = readdirSync(historiesDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, ids: markerIds(readFileSync(join(historiesDir, name), 'utf8')) }));

describe('patch registry', () => {
  test('every patch ID is registered once', () => {
    const ids = names.map((name) => PATCHES[name].id);
    assert.equal(new Set(ids).size, ids.length, `duplicate IDs in ${ids.join(', ')}`);
  });

  test('no workflow file calls patched() or deprecatePatch() outside the registry', () => {
    const direct = workflowSources
      .filter(({ path, text }) => path !== registryFile && /\bpatched\s*\(|\bdeprecatePatch\s*\(/.test(text))
      .map(({ path }) => relative(root, path));
    assert.deepEqual(direct, [], 'these files ask a patch by its string ID instead of isPatched(name)');
  });

  test('every registered patch is asked by the workflows it names', () => {
    for (const name of names) {
      for (const workflow of PATCHES[name].workflows) {
        const asking = workflowSources.filter(
          ({ path, text }) =>
            relative(workflowsDir, path).startsWith(`${workflow}/`) && text.includes(`isPatched('${name}')`),
        );
        assert.ok(asking.length > 0, `${name} is registered for the ${workflow} workflow, which never asks it`);
      }
    }
  });

  test('every patch marker in the recorded histories names a registered patch, and each patch has a fixture', () => {
    const registered = new Set<string>(names.map((name) => PATCHES[name].id));
    const unknown = fixtures.flatMap(({ name, ids }) =>
      ids.filter((id) => !registered.has(id)).map((id) => `${name}: ${id}`),
    );
    assert.deepEqual(unknown, [], 'markers of patches the registry does not know');
    const recorded = new Set(fixtures.flatMap(({ ids }) => ids));
    const untested = names.filter((name) => !recorded.has(PATCHES[name].id));
    assert.deepEqual(untested, [], 'patches no recorded history carries: their new branch is never replayed');
  });

  test("every grant patch is asked in the grant's first workflow task: by the GrantRun constructor, or in LATER_GRANT_PATCHES", () => {
    const grantRun = readFileSync(join(workflowsDir, 'grant', 'grant-run.ts'), 'utf8');
    const late = names.filter(
      (name) =>
        (PATCHES[name].workflows as readonly string[]).includes('grant') &&
        !LATER_GRANT_PATCHES.includes(name) &&
        !grantRun.includes(`isPatched('${name}')`),
    );
    // Asked only after a local activity's result, a patch can replay without its marker (docs/architecture.md).
    assert.deepEqual(late, [], 'grant patches first asked after the first workflow task');
  });
});
