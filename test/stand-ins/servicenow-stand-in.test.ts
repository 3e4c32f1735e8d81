import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  type RecordChange,
  type ServiceNowStandIn,
  type ServiceNowStandInOptions,
  startServiceNowStandIn,
} from '../../stand-ins/servicenow/servicenow-stand-in';

const USERNAME = 'jit.integration';
// A ':' inside the password: Basic auth splits at the first one only.
const PASSWORD = 'pa:ss-word';
const TOKEN = 'oauth-access-token';
const TABLE = 'u_jit_access_log';
const BASIC = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;

const SYS_ID = /^[0-9a-f]{32}$/;
const GLIDE_DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

interface ResultBody<T> {
  result: T;
}
interface FailureBody {
  error: { message: string; detail: string | null };
  status: 'failure';
}

async function startServiceNow(t: TestContext, options: Partial<ServiceNowStandInOptions> = {}) {
  const sn = await startServiceNowStandIn({ username: USERNAME, password: PASSWORD, ...options });
  t.after(() => sn.close());
  return sn;
}

function api(
  sn: ServiceNowStandIn,
  path: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
) {
  return fetch(`${sn.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: BASIC, accept: 'application/json', 'content-type': 'application/json', ...init.headers },
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
}

async function insert(sn: ServiceNowStandIn, fields: Record<string, unknown>, table = TABLE) {
  const response = await api(sn, `/api/now/table/${table}`, { method: 'POST', body: fields });
  assert.equal(response.status, 201);
  return ((await response.json()) as ResultBody<Record<string, string>>).result;
}

async function failure(response: Response, status: number): Promise<FailureBody> {
  assert.equal(response.status, status);
  const body = (await response.json()) as FailureBody;
  assert.equal(body.status, 'failure');
  return body;
}

test('an insert answers 201 with a Location header and every field as a string, sys_id, number and glide timestamps included', async (t) => {
  const sn = await startServiceNow(t);
  const response = await api(sn, `/api/now/table/${TABLE}`, {
    method: 'POST',
    body: { u_requester: 'bob', u_duration_minutes: 60, u_break_glass: false, u_note: null },
  });
  assert.equal(response.status, 201);
  const { result } = (await response.json()) as ResultBody<Record<string, string>>;
  assert.match(result.sys_id ?? '', SYS_ID);
  assert.equal(response.headers.get('location'), `${sn.baseUrl}/api/now/table/${TABLE}/${result.sys_id}`);
  assert.equal(result.number, 'JIT0001001');
  assert.match(result.sys_created_on ?? '', GLIDE_DATE_TIME);
  assert.equal(result.sys_updated_on, result.sys_created_on);
  assert.equal(result.sys_created_by, USERNAME);
  assert.deepEqual(
    [result.u_requester, result.u_duration_minutes, result.u_break_glass, result.u_note],
    ['bob', '60', 'false', ''],
  );
  assert.deepEqual(sn.records(TABLE), [{ table: TABLE, fields: result, updates: [] }]);

  assert.equal((await insert(sn, { u_requester: 'carol' })).number, 'JIT0001002');
  assert.equal((await insert(sn, { short_description: 'access granted' }, 'incident')).number, 'INC0001001');

  const versioned = await api(sn, `/api/now/v1/table/${TABLE}`, { method: 'POST', body: { u_requester: 'dan' } });
  const versionedId = ((await versioned.json()) as ResultBody<Record<string, string>>).result.sys_id;
  assert.equal(versioned.headers.get('location'), `${sn.baseUrl}/api/now/v1/table/${TABLE}/${versionedId}`);
});

test('system fields in a request body are ignored, while a number the client sets is kept, as auto-numbering allows', async (t) => {
  const sn = await startServiceNow(t);
  const result = await insert(sn, {
    u_requester: 'bob',
    sys_id: 'f'.repeat(32),
    sys_created_on: '2000-01-01 00:00:00',
  });
  assert.notEqual(result.sys_id, 'f'.repeat(32));
  assert.notEqual(result.sys_created_on, '2000-01-01 00:00:00');
  assert.equal((await insert(sn, { number: 'JIT0099999' })).number, 'JIT0099999');
});

test('sysparm_fields narrows the result to the named fields, and X-no-response-body: true leaves the body empty', async (t) => {
  const sn = await startServiceNow(t);
  const narrowed = await api(sn, `/api/now/table/${TABLE}?sysparm_fields=sys_id,number,u_missing`, {
    method: 'POST',
    body: { u_requester: 'bob' },
  });
  const { result } = (await narrowed.json()) as ResultBody<Record<string, string>>;
  assert.deepEqual(Object.keys(result), ['sys_id', 'number']);

  const silent = await api(sn, `/api/now/table/${TABLE}`, {
    method: 'POST',
    body: { u_requester: 'carol' },
    headers: { 'x-no-response-body': 'true' },
  });
  assert.equal(silent.status, 201);
  assert.equal(await silent.text(), '');
  const stored = sn.records(TABLE)[1]?.fields;
  assert.equal(silent.headers.get('location'), `${sn.baseUrl}/api/now/table/${TABLE}/${stored?.sys_id}`);
  assert.equal(stored?.u_requester, 'carol');

  const read = await api(sn, `/api/now/table/${TABLE}/${stored?.sys_id}?sysparm_fields=u_requester`);
  assert.deepEqual(await read.json(), { result: { u_requester: 'carol' } });
});

test('HTTP Basic with the right user and password, or the configured bearer token, is accepted; anything else is 401 with the failure body', async (t) => {
  const sn = await startServiceNow(t, { bearerToken: TOKEN });
  const path = `/api/now/table/${TABLE}`;
  assert.equal((await api(sn, path)).status, 200);
  assert.equal((await api(sn, path, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);

  const refused = [
    `Basic ${Buffer.from(`${USERNAME}:wrong`).toString('base64')}`,
    `Basic ${Buffer.from(`${USERNAME}:pa`).toString('base64')}`,
    `Basic ${Buffer.from('nobody').toString('base64')}`,
    'Bearer not-the-token',
    `Bearer ${TOKEN} extra`,
    TOKEN,
  ];
  for (const authorization of refused) {
    const body = await failure(await api(sn, path, { method: 'POST', body: {}, headers: { authorization } }), 401);
    assert.deepEqual(body, {
      error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      status: 'failure',
    });
  }
  const missing = await fetch(`${sn.baseUrl}${path}`);
  assert.equal(missing.status, 401);
  assert.deepEqual(sn.records(TABLE), [], 'refused inserts store nothing');
  assert.deepEqual(
    sn.calls.map((c) => [c.status, c.auth]),
    [[200, 'basic'], [200, 'bearer'], ...refused.map(() => [401, undefined]), [401, undefined]],
  );

  const basicOnly = await startServiceNow(t);
  assert.equal((await api(basicOnly, path, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 401);
});

test('a record is read back by sys_id on both paths, and an unknown sys_id answers 404 No Record found', async (t) => {
  const sn = await startServiceNow(t);
  const created = await insert(sn, { u_requester: 'bob' });
  for (const prefix of ['/api/now/table', '/api/now/v1/table']) {
    const read = await api(sn, `${prefix}/${TABLE}/${created.sys_id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(await read.json(), { result: created });
  }
  const body = await failure(await api(sn, `/api/now/table/${TABLE}/${'0'.repeat(32)}`), 404);
  assert.deepEqual(body.error, {
    message: 'No Record found',
    detail: "Record doesn't exist or ACL restricts the record retrieval",
  });
  await failure(await api(sn, `/api/now/table/incident/${created.sys_id}`), 404);
});

test('an encoded query of field=value terms joined by ^ returns exact matches in insertion order; sysparm_limit caps them', async (t) => {
  const sn = await startServiceNow(t);
  await insert(sn, { u_requester: 'bob', u_group: 'eng-prod', u_state: 'ACTIVE' });
  await insert(sn, { u_requester: 'bob', u_group: 'billing', u_state: 'ACTIVE' });
  await insert(sn, { u_requester: 'carol', u_group: 'eng-prod', u_state: 'ACTIVE' });
  await insert(sn, { u_requester: 'bob', u_group: 'eng-prod', u_state: 'EXPIRED', u_note: 'a=b' });
  const query = async (params: string) => {
    const response = await api(sn, `/api/now/table/${TABLE}?${params}`);
    assert.equal(response.status, 200, params);
    const { result } = (await response.json()) as ResultBody<Array<Record<string, string>>>;
    return { total: response.headers.get('x-total-count'), result };
  };

  const bobInEngProd = await query(
    `sysparm_query=${encodeURIComponent('u_requester=bob^u_group=eng-prod')}&sysparm_fields=number,u_state`,
  );
  assert.deepEqual(bobInEngProd.result, [
    { number: 'JIT0001001', u_state: 'ACTIVE' },
    { number: 'JIT0001004', u_state: 'EXPIRED' },
  ]);
  const first = await query(`sysparm_query=u_requester%3Dbob&sysparm_limit=1&sysparm_fields=number`);
  assert.deepEqual(first, { total: '3', result: [{ number: 'JIT0001001' }] });
  assert.equal((await query('sysparm_query=u_note%3Da%3Db')).result.length, 1, 'a value may contain =');
  assert.equal((await query('sysparm_query=u_requester%3DBob')).result.length, 0, 'values compare exactly');
  assert.equal((await query('sysparm_query=u_unknown%3Dbob')).result.length, 0);
  assert.equal((await query('')).result.length, 4, 'no query lists the whole table');
  assert.deepEqual((await query('sysparm_query=u_requester%3Dnobody')).result, []);
});

test('query operators other than = and ^ (AND), and a sysparm_limit that is not a positive integer, answer 400', async (t) => {
  const sn = await startServiceNow(t);
  for (const encoded of [
    'u_requester=bob^ORu_requester=carol',
    'u_requester!=bob',
    'u_requesterLIKEbo',
    'u_requesterSTARTSWITHb',
    'u_requesterINbob,carol',
    'u_requester=bob^ORDERBYu_group',
    'u_requester=bob^NQu_group=x',
    'u_requester=bob^',
  ]) {
    const body = await failure(
      await api(sn, `/api/now/table/${TABLE}?sysparm_query=${encodeURIComponent(encoded)}`),
      400,
    );
    assert.equal(body.error.message, 'Unsupported query', encoded);
  }
  for (const limit of ['0', '-1', 'ten'])
    await failure(await api(sn, `/api/now/table/${TABLE}?sysparm_limit=${limit}`), 400);
});

test("PATCH and PUT set only the given fields and each lands in the record's update history; an unknown record answers 404", async (t) => {
  const sn = await startServiceNow(t);
  const created = await insert(sn, { u_requester: 'bob', u_state: 'ACTIVE', u_note: 'first' });
  const path = `/api/now/table/${TABLE}/${created.sys_id}`;

  const patched = await api(sn, path, { method: 'PATCH', body: { u_state: 'EXPIRED', u_ended_by: 'timer' } });
  assert.equal(patched.status, 200);
  const { result } = (await patched.json()) as ResultBody<Record<string, string>>;
  assert.deepEqual(
    [result.sys_id, result.number, result.u_requester, result.u_note, result.u_state, result.u_ended_by],
    [created.sys_id, created.number, 'bob', 'first', 'EXPIRED', 'timer'],
  );
  assert.equal(result.sys_mod_count, '1');
  assert.match(result.sys_updated_on ?? '', GLIDE_DATE_TIME);

  const put = await api(sn, `/api/now/v1/table/${TABLE}/${created.sys_id}?sysparm_fields=u_note,sys_mod_count`, {
    method: 'PUT',
    body: { u_note: 'second', sys_id: 'f'.repeat(32) },
  });
  assert.deepEqual(await put.json(), { result: { u_note: 'second', sys_mod_count: '2' } });

  const [record] = sn.records(TABLE);
  assert.deepEqual(
    record?.updates.map((u) => [u.method, u.fields]),
    [
      ['PATCH', { u_state: 'EXPIRED', u_ended_by: 'timer' }],
      ['PUT', { u_note: 'second' }],
    ],
  );
  assert.equal(record?.updates[1]?.at, record?.fields.sys_updated_on);
  assert.equal(record?.fields.sys_id, created.sys_id);

  const unknown = await api(sn, `/api/now/table/${TABLE}/${'0'.repeat(32)}`, {
    method: 'PATCH',
    body: { u_note: 'x' },
  });
  assert.equal((await failure(unknown, 404)).error.message, 'No Record found');
});

test('tables other than incident and u_* answer 400 Invalid table, bodies that are not a JSON object of values 400, DELETE 405', async (t) => {
  const sn = await startServiceNow(t);
  for (const table of ['sys_user', 'x_vendor_log', 'U_caps']) {
    const body = await failure(await api(sn, `/api/now/table/${table}`, { method: 'POST', body: { a: '1' } }), 400);
    assert.deepEqual(body.error, { message: `Invalid table ${table}`, detail: null });
  }
  const created = await insert(sn, { u_requester: 'bob' });
  const writes = [
    { method: 'POST', path: `/api/now/table/${TABLE}` },
    { method: 'PATCH', path: `/api/now/table/${TABLE}/${created.sys_id}` },
  ];
  for (const { method, path } of writes) {
    for (const rawBody of ['not json', '', '[1,2]', '"text"', '{"u_group":{"value":"x"}}', '{"Bad Name":"x"}']) {
      const body = await failure(await api(sn, path, { method, rawBody }), 400);
      assert.equal(body.error.message, 'Invalid request body', `${method} ${rawBody}`);
    }
  }
  assert.equal(sn.records(TABLE).length, 1);
  assert.deepEqual(sn.records(TABLE)[0]?.updates, []);
  await failure(await api(sn, `/api/now/table/${TABLE}/${created.sys_id}`, { method: 'DELETE' }), 405);
  await failure(await api(sn, '/api/now/v2/other'), 404);
});

test('a 503 fault fails the next insert without storing it, a 429 fault carries Retry-After, and a drop closes the connection; all are recorded', async (t) => {
  const sn = await startServiceNow(t);
  const path = `/api/now/table/${TABLE}`;
  sn.faults.add({ kind: 'status', status: 503, times: 1, match: { method: 'POST', path: '^/api/now/table/' } });
  const unavailable = await failure(await api(sn, path, { method: 'POST', body: { u_requester: 'bob' } }), 503);
  assert.deepEqual(unavailable.error, { message: 'Service Unavailable', detail: null });
  assert.deepEqual(sn.records(TABLE), []);

  sn.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 3, times: 1 });
  const limited = await api(sn, path, { method: 'POST', body: { u_requester: 'bob' } });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');

  sn.faults.add({ kind: 'drop', times: 1 });
  await assert.rejects(api(sn, path, { method: 'POST', body: { u_requester: 'bob' } }), TypeError);
  assert.deepEqual(sn.records(TABLE), []);

  await insert(sn, { u_requester: 'bob' });
  assert.equal(sn.faults.injected, 3);
  assert.deepEqual(
    sn.calls.map((c) => [c.status, c.fault]),
    [
      [503, 'status'],
      [429, 'status'],
      [0, 'drop'],
      [201, undefined],
    ],
  );
  assert.deepEqual(sn.calls[0]?.body, { u_requester: 'bob' });
});

test('faults posted to /_control/faults apply, /_control/records lists a table with CORS, and onChange hears inserts and updates', async (t) => {
  const sn = await startServiceNow(t);
  const changes: RecordChange[] = [];
  const unsubscribe = sn.onChange((change) => changes.push(change));

  const created = await fetch(`${sn.origin}/_control/faults`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'status', status: 502, times: 1, match: { method: 'PATCH' } }),
  });
  assert.equal(created.status, 201);
  const record = await insert(sn, { u_requester: 'bob' });
  const path = `/api/now/table/${TABLE}/${record.sys_id}`;
  await failure(await api(sn, path, { method: 'PATCH', body: { u_state: 'EXPIRED' } }), 502);
  assert.equal((await api(sn, path, { method: 'PATCH', body: { u_state: 'EXPIRED' } })).status, 200);
  unsubscribe();
  await insert(sn, { u_requester: 'carol' });

  assert.deepEqual(
    changes.map((c) => [c.type, c.record.fields.sys_id, c.record.fields.u_state]),
    [
      ['record-created', record.sys_id, undefined],
      ['record-updated', record.sys_id, 'EXPIRED'],
    ],
  );

  const listed = await fetch(`${sn.origin}/_control/records?table=${TABLE}`);
  assert.equal(listed.headers.get('access-control-allow-origin'), '*');
  assert.deepEqual(await listed.json(), sn.records(TABLE));
  assert.equal(sn.records(TABLE).length, 2);
  assert.equal((await fetch(`${sn.origin}/_control/records`)).status, 400);
  const preflight = await fetch(`${sn.origin}/_control/records`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.equal(sn.calls.length, 4, 'control routes are not recorded');
});
