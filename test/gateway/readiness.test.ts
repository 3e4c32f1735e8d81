import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Connection } from '@temporalio/client';
import { temporalReadiness } from '../../integrations/temporal/readiness';
import { closeTestTemporal, testTemporal } from '../support/temporal';
import { createFakeGateway } from './gateway-with-fakes';

after(() => closeTestTemporal());

test('/readyz is 200 while the Temporal dev server answers, and /healthz is 200', async (t) => {
  const temporal = await testTemporal();
  const gateway = await createFakeGateway({ temporalReady: temporalReadiness(temporal.client.connection) });
  t.after(() => gateway.app.close());
  const ready = await gateway.app.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready' });
  assert.equal((await gateway.app.inject({ url: '/healthz' })).statusCode, 200);
});

test('/readyz is 503 when Temporal is at an unreachable address, while /healthz stays 200', async (t) => {
  // A connect attempt still pending when the test closes the connection fails after the test: give up well before.
  const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
  t.after(() => connection.close());
  const gateway = await createFakeGateway({ temporalReady: temporalReadiness(connection) });
  t.after(() => gateway.app.close());
  const ready = await gateway.app.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.deepEqual(ready.json(), { status: 'not ready', message: 'Temporal does not answer' });
  assert.equal((await gateway.app.inject({ url: '/healthz' })).statusCode, 200);
});
