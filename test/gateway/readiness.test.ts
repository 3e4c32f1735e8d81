import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
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
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  // grpc-js throws (uncaught) from a wait for readiness that is still pending when its channel closes: let the
  // probe's 1.5 s deadline pass before closing.
  t.after(async () => {
    await setTimeout(1000);
    await connection.close();
  });
  const gateway = await createFakeGateway({ temporalReady: temporalReadiness(connection) });
  t.after(() => gateway.app.close());
  const ready = await gateway.app.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.deepEqual(ready.json(), { status: 'not ready', message: 'Temporal does not answer' });
  assert.equal((await gateway.app.inject({ url: '/healthz' })).statusCode, 200);
});
