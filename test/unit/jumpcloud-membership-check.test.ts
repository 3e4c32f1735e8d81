import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { JumpCloudClient } from '../../integrations/jumpcloud/jumpcloud-client';

const GROUP = '64f0c0ffee0000000000a001';
const PARENT = '64f0c0ffee0000000000a002';
const USER = '64f0c0ffee0000000000b001';

/** The user's side of the graph as JumpCloud answers it: direct groups have one hop, nested ones more. */
const memberOf = [
  { id: GROUP, type: 'user_group', paths: [[{ to: { id: GROUP, type: 'user_group' }, attributes: null }]] },
  {
    id: PARENT,
    type: 'user_group',
    paths: [
      [
        { to: { id: GROUP, type: 'user_group' }, attributes: null },
        { to: { id: PARENT, type: 'user_group' }, attributes: null },
      ],
    ],
  },
];

let server: Server;
const requested: string[] = [];
let client: JumpCloudClient;

before(async () => {
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url?.startsWith(`/api/v2/users/${USER}/memberof`) ? memberOf : []));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new JumpCloudClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    apiKey: 'k',
  });
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a membership check reads the user’s groups in one request, never the group’s member list', async () => {
  requested.length = 0;
  assert.equal(await client.isMember(GROUP, USER), true);
  assert.equal(requested.length, 1);
  assert.match(requested[0] ?? '', new RegExp(`^/api/v2/users/${USER}/memberof\\?`));
});

test('membership only through a nested group is not the user’s own membership of that group', async () => {
  assert.equal(await client.isMember(PARENT, USER), false);
  assert.equal(await client.isMember('64f0c0ffee0000000000a0ff', USER), false);
});
