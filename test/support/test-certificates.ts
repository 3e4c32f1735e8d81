import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

export interface LeafOptions {
  commonName: string;
  /** `serverAuth` for a server, `clientAuth` for a client of mutual TLS. */
  extendedKeyUsage: 'serverAuth' | 'clientAuth';
  /** e.g. `DNS:temporal.test, IP:127.0.0.1`; rustls checks the server's name here only, never in the CN. */
  subjectAltName?: string;
}

// Our own minimal openssl config, so the system's openssl.cnf cannot add or clash with extensions.
const requestConfig = '[req]\ndistinguished_name = dn\n[dn]\n';
const caExtensions = [
  '[ext]',
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
].join('\n');

/** A self-signed certificate authority (P-256, valid for two days) written to `dir` as `<name>.crt` and `<name>.key`. */
export async function createCertificateAuthority(dir: string, name: string): Promise<CertificateFiles> {
  const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  const configFile = join(dir, `${name}.cnf`);
  await writeFile(configFile, `${requestConfig}${caExtensions}\n`);
  await openssl([
    ...['req', '-x509', '-new', '-nodes', '-days', '2', '-sha256'],
    ...['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    ...['-subj', `/CN=${name}`, '-config', configFile, '-extensions', 'ext'],
    ...['-keyout', files.keyFile, '-out', files.certFile],
  ]);
  return files;
}

/** A certificate signed by `ca`, written to `dir` as `<name>.crt` and `<name>.key` (PKCS#8). */
export async function issueCertificate(
  ca: CertificateFiles,
  dir: string,
  name: string,
  options: LeafOptions,
): Promise<CertificateFiles> {
  const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  const requestFile = join(dir, `${name}.csr`);
  const configFile = join(dir, `${name}.cnf`);
  const extensions = [
    '[ext]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${options.extendedKeyUsage}`,
    'authorityKeyIdentifier = keyid',
    ...(options.subjectAltName ? [`subjectAltName = ${options.subjectAltName}`] : []),
  ];
  await writeFile(configFile, `${requestConfig}${extensions.join('\n')}\n`);
  await openssl([
    ...['req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    ...['-subj', `/CN=${options.commonName}`, '-config', configFile],
    ...['-keyout', files.keyFile, '-out', requestFile],
  ]);
  await openssl([
    ...['x509', '-req', '-in', requestFile, '-CA', ca.certFile, '-CAkey', ca.keyFile],
    ...['-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-sha256'],
    ...['-extfile', configFile, '-extensions', 'ext', '-out', files.certFile],
  ]);
  return files;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'The openssl CLI is needed to make the TLS test certificates: install it (`apt-get install openssl`).',
      );
    }
    throw err;
  }
}
