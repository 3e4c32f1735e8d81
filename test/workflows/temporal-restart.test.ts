import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { freePort, startTemporalDevServer } from '../../stand-ins/temporal/temporal-dev-server';
import { type GrantState } from '../../workflows/grant/grant-types';
import { createGrantHarness } from '../support/grant-harness';

// This test needs a server of its own to kill: the suite's shared one must stay up for the other files.
test('a grant active while the Temporal server crashes and restarts is still revoked at expiry', async (t) => {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  assert.ok(
    cliPath,
    'TEMPORAL_CLI_PATH is not set: run the suite with `npm test`, which builds the Temporal CLI if needed',
  );
  const dir = mkdtempSync(join(tmpdir(), 'jit-temporal-restart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dbFile = join(dir, 'temporal.sqlite');
  const port = await freePort();

  let server = await startTemporalDevServer({ cliPath, port, dbFile, skipFsync: true });
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const temporal = { address: server.address, client: new Client({ connection }), nativeConnection };
  const h = await createGrantHarness(t, { temporal });
  // After-hooks run in registration order: the harness's worker stops before its connection and server go.
  t.after(async () => {
    await connection.close();
    await nativeConnection.close();
    await server.stop({ hard: true });
  });

  const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 8 }));
  await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
  const active = await h.waitForStatus(workflowId, 'ACTIVE');
  assert.equal(h.isMember(), true);

  await server.stop({ hard: true });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.equal(h.isMember(), true, 'the membership stays while the server is down');
  server = await startTemporalDevServer({ cliPath, port, dbFile, skipFsync: true });

  const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
  assert.equal(final.status, 'EXPIRED');
  assert.equal(final.expiresAt, active.expiresAt, 'the expiry survived the crash unchanged');
  assert.equal(h.isMember(), false);
});
