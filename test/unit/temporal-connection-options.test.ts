import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { ConfigError } from '../../config/env';
import { loadGatewayConfig } from '../../gateway/config';
import { gatewayLoggerOptions } from '../../gateway/logger';
import { temporalConnectionOptions } from '../../integrations/temporal/connection-options';
import { loadWorkerConfig } from '../../worker/config';

const workerEnv = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  JUMPCLOUD_API_KEY: 'key',
  JIT_POLICY_FILE: '/etc/jit/policy.yaml',
  SLACK_APPROVAL_CHANNEL: 'C0APPROVALS',
};
const gatewayEnv = { ...workerEnv, SLACK_SIGNING_SECRET: 'secret' };
const API_KEY = 'tmprl-api-key-never-logged';

const dir = mkdtempSync(join(tmpdir(), 'temporal-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, contents: string): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}
const caFile = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
const certFile = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const keyFile = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
const apiKeyFile = file('api-key', `${API_KEY}\n`);

function options(env: Record<string, string>) {
  return temporalConnectionOptions(loadWorkerConfig({ ...workerEnv, ...env }));
}

/** Asserts a ConfigError naming each variable (as `NAME: `), that never shows the API key. */
function assertConfigError(run: () => unknown, ...variables: string[]): void {
  assert.throws(run, (err: Error) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${err.name}`);
    for (const variable of variables) assert.match(err.message, new RegExp(`\\b${variable}: `));
    assert.ok(!err.message.includes(API_KEY), 'the API key is never in the message');
    return true;
  });
}

describe('Temporal connection settings', () => {
  test('without any TLS variable the connection is plaintext to TEMPORAL_ADDRESS', () => {
    assert.deepEqual(options({}), { address: 'localhost:7233' });
    assert.deepEqual(options({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS: 'false' }), {
      address: 'temporal:7233',
    });
  });

  test('TEMPORAL_TLS=true alone is TLS verified against the system roots', () => {
    assert.deepEqual(options({ TEMPORAL_TLS: 'true' }), { address: 'localhost:7233', tls: {} });
  });

  test('TEMPORAL_TLS other than true or false is named', () => {
    assertConfigError(() => options({ TEMPORAL_TLS: 'yes' }), 'TEMPORAL_TLS');
  });

  test('a CA file, a server name and a client certificate pair become the TLS settings and imply TLS', () => {
    const built = options({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CA_FILE: caFile,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.example',
      TEMPORAL_TLS_CERT_FILE: certFile,
      TEMPORAL_TLS_KEY_FILE: keyFile,
    });
    assert.equal(built.address, 'temporal.internal:7233');
    assert.equal(built.tls?.serverNameOverride, 'temporal.example');
    assert.match(
      Buffer.from(built.tls?.serverRootCACertificate ?? []).toString(),
      /^-----BEGIN CERTIFICATE-----\nca\n/,
    );
    assert.match(Buffer.from(built.tls?.clientCertPair?.crt ?? []).toString(), /\nclient\n/);
    assert.match(Buffer.from(built.tls?.clientCertPair?.key ?? []).toString(), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(built.apiKey, undefined);
  });

  test('each of the TLS variables on its own turns TLS on', () => {
    assert.deepEqual(options({ TEMPORAL_TLS_SERVER_NAME: 'temporal.example' }).tls, {
      serverNameOverride: 'temporal.example',
    });
    assert.ok(options({ TEMPORAL_TLS_CA_FILE: caFile }).tls?.serverRootCACertificate);
    assert.ok(options({ TEMPORAL_TLS_CERT_FILE: certFile, TEMPORAL_TLS_KEY_FILE: keyFile }).tls?.clientCertPair);
  });

  test('an API key, from the environment or from a file without its newline, is sent over TLS', () => {
    assert.deepEqual(options({ TEMPORAL_API_KEY: API_KEY }), { address: 'localhost:7233', tls: {}, apiKey: API_KEY });
    assert.deepEqual(options({ TEMPORAL_API_KEY_FILE: apiKeyFile }), {
      address: 'localhost:7233',
      tls: {},
      apiKey: API_KEY,
    });
  });

  test('a client certificate without its key names TEMPORAL_TLS_KEY_FILE, a key without its certificate names TEMPORAL_TLS_CERT_FILE', () => {
    assertConfigError(() => options({ TEMPORAL_TLS_CERT_FILE: certFile }), 'TEMPORAL_TLS_KEY_FILE');
    assertConfigError(() => options({ TEMPORAL_TLS_KEY_FILE: keyFile }), 'TEMPORAL_TLS_CERT_FILE');
  });

  test('TEMPORAL_API_KEY and TEMPORAL_API_KEY_FILE together are refused without showing the key', () => {
    assertConfigError(
      () => options({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_API_KEY_FILE: apiKeyFile }),
      'TEMPORAL_API_KEY',
    );
  });

  test('TEMPORAL_TLS=false with a variable that needs TLS is a contradiction named with that variable', () => {
    assert.throws(
      () => options({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY }),
      (err: Error) =>
        err instanceof ConfigError &&
        /TEMPORAL_TLS: .*TEMPORAL_API_KEY/.test(err.message) &&
        !err.message.includes(API_KEY),
    );
  });

  test('missing, empty and non-PEM files are each named with their variable and path, all at once', () => {
    const missingCa = join(dir, 'missing-ca.pem');
    const emptyApiKey = file('empty-api-key', '\n');
    const notPem = file('client.der', 'binary');
    assert.throws(
      () =>
        options({
          TEMPORAL_TLS_CA_FILE: missingCa,
          TEMPORAL_TLS_CERT_FILE: notPem,
          TEMPORAL_TLS_KEY_FILE: dir,
          TEMPORAL_API_KEY_FILE: emptyApiKey,
        }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        const line = (variable: string) => err.message.split('\n').find((l) => l.includes(`${variable}: `)) ?? '';
        assert.ok(line('TEMPORAL_TLS_CA_FILE').includes(missingCa));
        assert.ok(line('TEMPORAL_TLS_CERT_FILE').includes(notPem));
        assert.ok(line('TEMPORAL_TLS_KEY_FILE').includes(dir));
        assert.ok(line('TEMPORAL_API_KEY_FILE').includes(emptyApiKey));
        return true;
      },
    );
  });

  test('the gateway reads the same variables, and its logs never show TEMPORAL_API_KEY', () => {
    const config = loadGatewayConfig({ ...gatewayEnv, TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_SERVER_NAME: 'x.test' });
    assert.deepEqual(temporalConnectionOptions(config), {
      address: 'localhost:7233',
      tls: { serverNameOverride: 'x.test' },
      apiKey: API_KEY,
    });
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    pino(gatewayLoggerOptions('info'), sink).info({ config }, 'config');
    assert.match(logged, /"TEMPORAL_API_KEY":"\[redacted\]"/);
    assert.ok(!logged.includes(API_KEY));
  });
});
