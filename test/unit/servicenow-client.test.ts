import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test, type TestContext } from 'node:test';
import {
  type ServiceNowAuth,
  ServiceNowClient,
  type ServiceNowClientOptions,
} from '../../integrations/servicenow/servicenow-client';
import { ServiceNowError } from '../../integrations/servicenow/servicenow-error';
import { type ServiceNowStandIn, startServiceNowStandIn } from '../../stand-ins/servicenow/servicenow-stand-in';

const USERNAME = 'jit.integration';
const PASSWORD = 'correct-horse-battery-staple';
const TOKEN = 'oauth-token-0123456789';
const TABLE = 'u_jit_access_log';
const SECRETS = [PASSWORD, TOKEN, Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')];
const BASIC: ServiceNowAuth = { kind: 'basic', username: USERNAME, password: PASSWORD };

async function startServiceNow(t: TestContext): Promise<ServiceNowStandIn> {
  const sn = await startServiceNowStandIn({ username: USERNAME, password: PASSWORD, bearerToken: TOKEN });
  t.after(() => sn.close());
  return sn;
}

function clientFor(sn: ServiceNowStandIn, options: Partial<ServiceNowClientOptions> = {}): ServiceNowClient {
  return new ServiceNowClient({ instanceUrl: sn.baseUrl, table: TABLE, auth: BASIC, ...options });
}

/** Awaits the rejection and returns it as a ServiceNowError, after checking no secret leaked into its message. */
async function serviceNowError(promise: Promise<unknown>): Promise<ServiceNowError> {
  const error = await promise.then(
    () => assert.fail('expected a ServiceNowError'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof ServiceNowError, String(error));
  for (const secret of [...SECRETS, 'wrong-password', 'wrong-token']) assert.ok(!error.message.includes(secret));
  return error;
}

test('createRecord inserts the fields and returns sys_id and number, asking only for those two fields', async (t) => {
  const sn = await startServiceNow(t);
  const client = clientFor(sn);
  const fields = { u_requester: 'bob@example.com', u_group: 'eng-prod', u_workflow_id: 'jit-grant-a-b' };
  const created = await client.createRecord(fields);

  const [record] = sn.records(TABLE);
  assert.deepEqual(created, { sysId: record?.fields.sys_id, number: 'JIT0001001' });
  assert.equal(record?.fields.u_workflow_id, 'jit-grant-a-b');
  const [call] = sn.calls;
  assert.deepEqual(
    [call?.method, call?.path, call?.auth, call?.body],
    ['POST', `/api/now/table/${TABLE}`, 'basic', fields],
  );
  assert.deepEqual(call?.query, { sysparm_fields: 'sys_id,number', sysparm_exclude_reference_link: 'true' });
});

test('updateRecord PATCHes only the given fields of the record', async (t) => {
  const sn = await startServiceNow(t);
  const client = clientFor(sn);
  const { sysId } = await client.createRecord({ u_requester: 'bob@example.com', u_state: 'ACTIVE' });
  await client.updateRecord(sysId, { u_state: 'EXPIRED', u_ended_at: '2025-01-01 10:00:00' });

  const [record] = sn.records(TABLE);
  assert.deepEqual(
    record?.updates.map((u) => [u.method, u.fields]),
    [['PATCH', { u_state: 'EXPIRED', u_ended_at: '2025-01-01 10:00:00' }]],
  );
  assert.equal(record?.fields.u_requester, 'bob@example.com');
  assert.equal(sn.calls[1]?.path, `/api/now/table/${TABLE}/${sysId}`);
});

test('findRecord returns the record whose field equals the value exactly, or undefined when none does', async (t) => {
  const sn = await startServiceNow(t);
  const client = clientFor(sn);
  await client.createRecord({ u_workflow_id: 'jit-grant-a-b' });
  const wanted = await client.createRecord({ u_workflow_id: 'jit-grant-a-c' });

  assert.deepEqual(await client.findRecord('u_workflow_id', 'jit-grant-a-c'), wanted);
  assert.equal(await client.findRecord('u_workflow_id', 'jit-grant-a'), undefined);
  assert.deepEqual(sn.calls.at(-1)?.query, {
    sysparm_query: 'u_workflow_id=jit-grant-a',
    sysparm_limit: '1',
    sysparm_fields: 'sys_id,number',
  });
});

test('findRecord refuses a value containing ^ without calling ServiceNow, since it would change the query', async (t) => {
  const sn = await startServiceNow(t);
  const error = await serviceNowError(clientFor(sn).findRecord('u_workflow_id', 'a^u_state=ACTIVE'));
  assert.equal(error.retryable, false);
  assert.deepEqual(sn.calls, []);
});

test('with bearer auth the client sends the token, and the credentials never show when the client is inspected', async (t) => {
  const sn = await startServiceNow(t);
  const client = clientFor(sn, { auth: { kind: 'bearer', token: TOKEN } });
  await client.createRecord({ u_requester: 'bob@example.com' });
  assert.equal(sn.calls[0]?.auth, 'bearer');
  for (const shown of [inspect(clientFor(sn), { showHidden: true }), inspect(client), JSON.stringify(client)]) {
    for (const secret of SECRETS) assert.ok(!shown.includes(secret), shown);
  }
});

test('recordUrl is the instance nav_to.do link with the record URI encoded into one parameter', async (t) => {
  const sn = await startServiceNow(t);
  const client = clientFor(sn, { instanceUrl: `${sn.baseUrl}/` });
  const sysId = '0123456789abcdef0123456789abcdef';
  const link = client.recordUrl(sysId);
  assert.equal(link, `${sn.baseUrl}/nav_to.do?uri=${TABLE}.do%3Fsys_id%3D${sysId}`);
  assert.equal(new URL(link).searchParams.get('uri'), `${TABLE}.do?sys_id=${sysId}`);
});

test('refused credentials are a 401 that is not retryable, naming the variables to check but neither secret', async (t) => {
  const sn = await startServiceNow(t);
  for (const auth of [
    { kind: 'basic', username: USERNAME, password: 'wrong-password' },
    { kind: 'bearer', token: 'wrong-token' },
  ] satisfies ServiceNowAuth[]) {
    const error = await serviceNowError(clientFor(sn, { auth }).createRecord({ u_requester: 'bob' }));
    assert.deepEqual([error.status, error.retryable], [401, false], auth.kind);
    assert.match(error.message, /answered 401: User Not Authenticated: Required to provide Auth information/);
    for (const name of ['SERVICENOW_INSTANCE_URL', 'SERVICENOW_USERNAME', 'SERVICENOW_PASSWORD', 'SERVICENOW_TOKEN']) {
      assert.ok(error.message.includes(name), name);
    }
  }
});

test('an unknown table is a 400 that is not retryable and points at SERVICENOW_TABLE', async (t) => {
  const sn = await startServiceNow(t);
  const error = await serviceNowError(clientFor(sn, { table: 'x_vendor_log' }).createRecord({ u_requester: 'bob' }));
  assert.deepEqual([error.status, error.retryable], [400, false]);
  assert.match(
    error.message,
    /^ServiceNow POST \/api\/now\/table\/x_vendor_log answered 400: Invalid table x_vendor_log/,
  );
  assert.match(error.message, /SERVICENOW_TABLE/);
});

test('updating a record that does not exist is a 404 that is not retryable', async (t) => {
  const sn = await startServiceNow(t);
  const error = await serviceNowError(clientFor(sn).updateRecord('0'.repeat(32), { u_state: 'EXPIRED' }));
  assert.deepEqual([error.status, error.retryable], [404, false]);
  assert.match(error.message, /No Record found/);
});

test('a 403 names the account and table to check and is not retryable', async (t) => {
  const sn = await startServiceNow(t);
  sn.faults.add({ kind: 'status', status: 403, times: 1 });
  const error = await serviceNowError(clientFor(sn).createRecord({ u_requester: 'bob' }));
  assert.deepEqual([error.status, error.retryable], [403, false]);
  assert.match(error.message, /roles and ACLs.*SERVICENOW_TABLE/);
});

test('429 with Retry-After is retryable and carries the delay in milliseconds; 503 is retryable', async (t) => {
  const sn = await startServiceNow(t);
  const client = clientFor(sn);
  sn.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 4, times: 1 });
  const limited = await serviceNowError(client.createRecord({ u_requester: 'bob' }));
  assert.deepEqual([limited.status, limited.retryable, limited.retryAfterMs], [429, true, 4000]);

  sn.faults.add({ kind: 'status', status: 503, times: 1 });
  const unavailable = await serviceNowError(client.findRecord('u_requester', 'bob'));
  assert.deepEqual([unavailable.status, unavailable.retryable, unavailable.retryAfterMs], [503, true, undefined]);
  assert.match(
    unavailable.message,
    /^ServiceNow GET \/api\/now\/table\/u_jit_access_log answered 503: Service Unavailable$/,
  );
});

test('a dropped connection is a retryable network error without a status', async (t) => {
  const sn = await startServiceNow(t);
  sn.faults.add({ kind: 'drop', times: 1 });
  const error = await serviceNowError(clientFor(sn).createRecord({ u_requester: 'bob' }));
  assert.deepEqual([error.status, error.retryable], [undefined, true]);
  assert.match(error.message, /^ServiceNow POST \/api\/now\/table\/u_jit_access_log failed: /);
});

test('no answer within timeoutMs is a retryable network error that says so', async (t) => {
  const sn = await startServiceNow(t);
  // The stand-in's close() ends the delay, so the test does not wait for it.
  sn.faults.add({ kind: 'latency', delayMs: 60_000, times: 1 });
  const error = await serviceNowError(clientFor(sn, { timeoutMs: 50 }).createRecord({ u_requester: 'bob' }));
  assert.deepEqual([error.status, error.retryable], [undefined, true]);
  assert.match(error.message, /failed: no answer within 50 ms$/);
});

test('a success status with a body that is not a Table API result is an error that is not retryable', async (t) => {
  const sn = await startServiceNow(t);
  sn.faults.add({ kind: 'status', status: 201, body: { result: 'not a record' }, times: 1 });
  const error = await serviceNowError(clientFor(sn).createRecord({ u_requester: 'bob' }));
  assert.deepEqual([error.status, error.retryable], [201, false]);
  assert.match(error.message, /returned an unexpected body/);
});

test('an instance URL that carries credentials, or is not a URL, is refused at construction without being quoted', () => {
  for (const instanceUrl of [`https://${USERNAME}:${PASSWORD}@example.service-now.com`, `not a url ${PASSWORD}`]) {
    assert.throws(
      () => new ServiceNowClient({ instanceUrl, table: TABLE, auth: BASIC }),
      (error: unknown) =>
        error instanceof ServiceNowError &&
        !error.retryable &&
        /SERVICENOW_INSTANCE_URL/.test(error.message) &&
        !error.message.includes(PASSWORD),
    );
  }
});
