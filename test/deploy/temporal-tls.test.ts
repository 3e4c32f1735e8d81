/**
 * The worker and the clients reach a secured Temporal: a TLS-terminating proxy that requires a client certificate
 * stands in front of the suite's plaintext dev server, with certificates made by the openssl CLI for this run. The
 * connection options come from integrations/temporal/connection-options.ts, as in worker/main.ts and gateway/main.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, TransportError } from '@temporalio/worker';
import { ConfigError, type TemporalConnectionEnv } from '../../config/env';
import { temporalConnectionOptions } from '../../integrations/temporal/connection-options';
import { type GrantState } from '../../workflows/grant/grant-types';
import { APPROVAL_CHANNEL, createGrantHarness } from '../support/grant-harness';
import { membershipChanges } from '../support/jumpcloud-calls';
import { testTemporalAddress } from '../support/temporal';
import { type CertificateFiles, createCertificateAuthority, issueCertificate } from '../support/test-certificates';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy';

const execFileAsync = promisify(execFile);
const root = join(__dirname, '..', '..');

/** The name in the server certificate; the proxy listens on 127.0.0.1, so clients must be told to expect it. */
const SERVER_NAME = 'temporal.test';
/** The gateway's client retries a failed handshake until this deadline; the worker's fails at once. */
const CLIENT_CONNECT_TIMEOUT_MS = 1000;

let dir: string;
let ca: CertificateFiles;
let unrelatedCa: CertificateFiles;
let clientCert: CertificateFiles;
let proxy: TlsProxy;
const openConnections: Array<{ close(): Promise<void> }> = [];

before(async () => {
  const devServer = testTemporalAddress();
  dir = await mkdtemp(join(tmpdir(), 'temporal-tls-'));
  ca = await createCertificateAuthority(dir, 'jit-test-ca');
  unrelatedCa = await createCertificateAuthority(dir, 'unrelated-ca');
  const serverCert = await issueCertificate(ca, dir, 'server', {
    commonName: SERVER_NAME,
    extendedKeyUsage: 'serverAuth',
    subjectAltName: `DNS:${SERVER_NAME}, IP:127.0.0.1`,
  });
  clientCert = await issueCertificate(ca, dir, 'client', { commonName: 'jit-worker', extendedKeyUsage: 'clientAuth' });
  proxy = await startTlsProxy({ server: serverCert, clientCa: ca, target: devServer });
});

// Runs after every test's own cleanup, so the harness's workers have stopped using these connections.
after(async () => {
  for (const connection of openConnections) await connection.close();
  await proxy?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The settings an operator would put in the environment for mutual TLS to the proxy. */
function mutualTlsEnv(overrides: Partial<TemporalConnectionEnv> = {}): TemporalConnectionEnv {
  return {
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_CA_FILE: ca.certFile,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    TEMPORAL_TLS_CERT_FILE: clientCert.certFile,
    TEMPORAL_TLS_KEY_FILE: clientCert.keyFile,
    ...overrides,
  };
}

/** Both kinds of connection must be refused at the TLS handshake, each counted by the proxy. */
async function assertBothRefused(env: TemporalConnectionEnv): Promise<void> {
  const options = temporalConnectionOptions(env);
  const failedBefore = proxy.failedHandshakes;
  await assert.rejects(NativeConnection.connect(options), TransportError, 'the worker connection is refused');
  assert.ok(proxy.failedHandshakes > failedBefore, 'the worker failed at the TLS handshake');

  const failedBeforeClient = proxy.failedHandshakes;
  // grpc-js reports only that it could not connect before the deadline (a plain Error); the proxy says why.
  await assert.rejects(Connection.connect({ ...options, connectTimeout: CLIENT_CONNECT_TIMEOUT_MS }));
  assert.ok(proxy.failedHandshakes > failedBeforeClient, 'the client failed at the TLS handshake');
}

describe('Temporal behind TLS that requires a client certificate', () => {
  test(
    'a grant lives its whole life over mutual TLS: approved, added, removed at expiry',
    { timeout: 60_000 },
    async (t) => {
      const options = temporalConnectionOptions(mutualTlsEnv());
      const authorizedBefore = proxy.authorizedHandshakes;
      const nativeConnection = await NativeConnection.connect(options);
      openConnections.push(nativeConnection);
      const connection = await Connection.connect(options);
      openConnections.push(connection);
      const h = await createGrantHarness(t, {
        temporal: { address: options.address, client: new Client({ connection }), nativeConnection },
      });

      const start = await h.grants.start(h.grantInput({ durationSeconds: 2 }));
      assert.equal(start.outcome, 'started');
      await h.slack.waitFor('the approval request', () => h.slack.messages(APPROVAL_CHANNEL)[0], 15_000);
      const decided = await h.grants.decide(
        start.workflowId,
        { decision: 'approve', deciderSlackUserId: h.approver.slackUserId },
        'click-1',
      );
      assert.equal(decided.status, 'APPROVED');
      await h.waitForStatus(start.workflowId, 'ACTIVE');
      assert.equal(h.isMember(), true, 'the membership is added');

      const final = (await h.client.workflow.getHandle(start.workflowId).result()) as GrantState;
      assert.equal(final.status, 'EXPIRED');
      assert.equal(h.isMember(), false, 'the membership is removed at expiry');
      assert.equal(membershipChanges(h, 'add').length, 1);
      assert.equal(membershipChanges(h, 'remove').length, 1);
      assert.ok(
        proxy.authorizedHandshakes >= authorizedBefore + 2,
        'the worker and the client both went through the proxy with the client certificate',
      );
    },
  );

  test('a server certificate from an unrelated CA is refused by the worker and by the client', async () => {
    await assertBothRefused(mutualTlsEnv({ TEMPORAL_TLS_CA_FILE: unrelatedCa.certFile }));
  });

  test('a server that requires a client certificate refuses a connection without one', async () => {
    await assertBothRefused(mutualTlsEnv({ TEMPORAL_TLS_CERT_FILE: undefined, TEMPORAL_TLS_KEY_FILE: undefined }));
  });

  test('a server name that the server certificate does not carry is refused', async () => {
    await assertBothRefused(mutualTlsEnv({ TEMPORAL_TLS_SERVER_NAME: 'elsewhere.test' }));
  });

  test('a missing key file is a ConfigError naming TEMPORAL_TLS_KEY_FILE and the path', () => {
    const missing = join(dir, 'no-such-client.key');
    assert.throws(
      () => temporalConnectionOptions(mutualTlsEnv({ TEMPORAL_TLS_KEY_FILE: missing })),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /TEMPORAL_TLS_KEY_FILE: /);
        assert.ok(err.message.includes(missing), 'the message names the path');
        return true;
      },
    );
  });

  test('a client certificate without its key is a ConfigError naming TEMPORAL_TLS_KEY_FILE', () => {
    assert.throws(
      () => temporalConnectionOptions(mutualTlsEnv({ TEMPORAL_TLS_KEY_FILE: undefined })),
      (err: Error) => err instanceof ConfigError && /TEMPORAL_TLS_KEY_FILE: is required/.test(err.message),
    );
  });

  test('the worker and the gateway stop at start naming a missing key, and never print the API key', async () => {
    const apiKey = 'tmprl-secret-api-key';
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_APPROVAL_CHANNEL: 'C0APPROVALS',
      JUMPCLOUD_API_KEY: 'key',
      JIT_POLICY_FILE: join(root, 'config', 'policy.example.yaml'),
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_TLS_CERT_FILE: clientCert.certFile,
      TEMPORAL_API_KEY: apiKey,
    };
    const runs = await Promise.all(
      ['worker/main.ts', 'gateway/main.ts'].map((main) =>
        execFileAsync(process.execPath, ['--import', 'tsx', join(root, main)], { env, timeout: 30_000 }).then(
          () => assert.fail(`${main} started`),
          (err: { code?: number; stderr: string }) => ({ main, ...err }),
        ),
      ),
    );
    for (const run of runs) {
      assert.equal(run.code, 1, `${run.main} exits with 1`);
      assert.match(run.stderr, /TEMPORAL_TLS_KEY_FILE: is required/, `${run.main} names the variable`);
      assert.ok(!run.stderr.includes(apiKey), `${run.main} does not print the API key`);
    }
  });
});
