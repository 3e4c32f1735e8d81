/**
 * The gateway faces the internet, so it holds no JumpCloud write power: its client is JumpCloudReadClient, which has
 * no method that changes a membership, and it runs with a Read Only administrator's key (docs/going-to-production.md).
 * The ESLint guard keeps the writing client out of gateway code at any depth; gateway/main.ts is linted with the rest.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test, type TestContext } from 'node:test';
import { JumpCloudReadClient } from '../../integrations/jumpcloud/jumpcloud-client';
import { startJumpCloudStandIn } from '../../stand-ins/jumpcloud/jumpcloud-stand-in';
import { repoRoot, restrictedImports, typeScriptFiles } from '../support/lint-imports';

const USER = '5f0c1a2b3c4d5e6f7a8b9c01';
const GROUP = '5f1a2b3c4d5e6f7a8b9c0d01';

async function readOnlyClient(t: TestContext): Promise<JumpCloudReadClient> {
  const readOnlyKey = 'jc-read-only-key';
  const jumpcloud = await startJumpCloudStandIn({
    apiKey: 'jc-write-key',
    readOnlyApiKey: readOnlyKey,
    seed: {
      users: [{ id: USER, email: 'ada@example.com', username: 'ada' }],
      groups: [{ id: GROUP, name: 'prod-db' }],
      memberships: [{ groupId: GROUP, userId: USER }],
    },
  });
  t.after(() => jumpcloud.close());
  return new JumpCloudReadClient({ baseUrl: jumpcloud.baseUrl, apiKey: readOnlyKey, timeoutMs: 2000 });
}

test("the gateway's JumpCloud client reads with a Read Only administrator's key and has no method that changes a membership", async (t) => {
  const client = await readOnlyClient(t);
  assert.equal((await client.findUserByEmail('ada@example.com'))?.id, USER);
  assert.deepEqual(await client.listUserGroupIds(USER), [GROUP]);
  for (const write of ['addMember', 'removeMember', 'changeMembership']) {
    assert.equal(write in client, false, `JumpCloudReadClient has ${write}`);
  }
  // @ts-expect-error typecheck refuses a membership change on the read-only client
  assert.equal(client.addMember, undefined);
});

test('ESLint refuses the membership-changing JumpCloud client in gateway code at any depth, and every gateway file passes', async () => {
  for (const [filePath, up] of [
    ['gateway/x.ts', '../'],
    ['gateway/handlers/x.ts', '../../'],
  ] as const) {
    const writer = `import { JumpCloudClient } from '${up}integrations/jumpcloud/jumpcloud-client';\nexport { JumpCloudClient };\n`;
    assert.equal((await restrictedImports(writer, filePath)).length, 1, `${filePath} may import JumpCloudClient`);
    const reader = `import { JumpCloudReadClient } from '${up}integrations/jumpcloud/jumpcloud-client';\nexport { JumpCloudReadClient };\n`;
    assert.deepEqual(await restrictedImports(reader, filePath), [], filePath);
  }
  const gatewayFiles = typeScriptFiles(join(repoRoot, 'gateway'));
  assert.ok(gatewayFiles.some((file) => file.endsWith(join('gateway', 'main.ts'))));
  for (const file of gatewayFiles) {
    const reported = await restrictedImports(readFileSync(file, 'utf8'), relative(repoRoot, file));
    assert.deepEqual(
      reported.map((m) => `${m.line}: ${m.message}`),
      [],
      relative(repoRoot, file),
    );
  }
});
