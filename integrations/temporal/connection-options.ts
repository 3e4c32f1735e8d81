import { readFileSync } from 'node:fs';
import { type TLSConfig } from '@temporalio/client';
import { configErrorNaming, type TemporalConnectionEnv } from '../../config/env';

/** What both `NativeConnection.connect` (worker) and `Connection.connect` / `Connection.lazy` (clients) accept. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

interface Problem {
  variable: string;
  message: string;
}

/** The variables that only make sense over TLS, so any of them turns it on. */
const tlsImplyingVariables = [
  'TEMPORAL_TLS_CA_FILE',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_CERT_FILE',
  'TEMPORAL_TLS_KEY_FILE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_API_KEY_FILE',
] as const;

/**
 * Connection options for the Temporal SDK from the parsed environment. Reads the certificate, key and API key files
 * now, so that a process stops at start, not at its first call, with a ConfigError naming every bad variable.
 * Neither the API key nor any file's content ever appears in the error.
 */
export function temporalConnectionOptions(env: TemporalConnectionEnv): TemporalConnectionOptions {
  const problems: Problem[] = [];
  const readPem = (variable: string, path: string | undefined) => {
    const contents = readSetting(problems, variable, path);
    if (contents !== undefined && !contents.includes('-----BEGIN ')) {
      problems.push({ variable, message: `${path} is not PEM (no "-----BEGIN" line)` });
    }
    return contents;
  };

  const ca = readPem('TEMPORAL_TLS_CA_FILE', env.TEMPORAL_TLS_CA_FILE);
  const crt = readPem('TEMPORAL_TLS_CERT_FILE', env.TEMPORAL_TLS_CERT_FILE);
  const key = readPem('TEMPORAL_TLS_KEY_FILE', env.TEMPORAL_TLS_KEY_FILE);
  if (env.TEMPORAL_TLS_CERT_FILE !== undefined && env.TEMPORAL_TLS_KEY_FILE === undefined) {
    problems.push({
      variable: 'TEMPORAL_TLS_KEY_FILE',
      message: 'is required with TEMPORAL_TLS_CERT_FILE (the private key of the client certificate)',
    });
  }
  if (env.TEMPORAL_TLS_KEY_FILE !== undefined && env.TEMPORAL_TLS_CERT_FILE === undefined) {
    problems.push({
      variable: 'TEMPORAL_TLS_CERT_FILE',
      message: 'is required with TEMPORAL_TLS_KEY_FILE (the client certificate of that key)',
    });
  }

  let apiKey = env.TEMPORAL_API_KEY;
  if (env.TEMPORAL_API_KEY_FILE !== undefined) {
    if (apiKey !== undefined) {
      problems.push({ variable: 'TEMPORAL_API_KEY', message: 'and TEMPORAL_API_KEY_FILE are both set: set only one' });
    }
    const fromFile = readSetting(problems, 'TEMPORAL_API_KEY_FILE', env.TEMPORAL_API_KEY_FILE)?.trim();
    if (fromFile === '') {
      problems.push({ variable: 'TEMPORAL_API_KEY_FILE', message: `${env.TEMPORAL_API_KEY_FILE} is empty` });
    } else {
      apiKey ??= fromFile;
    }
  }

  const implying = tlsImplyingVariables.filter((name) => env[name] !== undefined);
  if (env.TEMPORAL_TLS === false && implying.length > 0) {
    problems.push({
      variable: 'TEMPORAL_TLS',
      message: `is false, but ${implying.join(', ')} only work over TLS: set it to true or leave it unset`,
    });
  }
  if (problems.length > 0) throw configErrorNaming(problems);

  if (env.TEMPORAL_TLS !== true && implying.length === 0) return { address: env.TEMPORAL_ADDRESS };
  const tls: TLSConfig = {};
  if (env.TEMPORAL_TLS_SERVER_NAME !== undefined) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
  if (ca !== undefined) tls.serverRootCACertificate = Buffer.from(ca);
  if (crt !== undefined && key !== undefined) tls.clientCertPair = { crt: Buffer.from(crt), key: Buffer.from(key) };
  return apiKey === undefined ? { address: env.TEMPORAL_ADDRESS, tls } : { address: env.TEMPORAL_ADDRESS, tls, apiKey };
}

/** The file a variable names, as text; a missing or unreadable one becomes a problem naming the variable and path. */
function readSetting(problems: Problem[], variable: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push({ variable, message: `cannot read ${path} (${code})` });
    return undefined;
  }
}
