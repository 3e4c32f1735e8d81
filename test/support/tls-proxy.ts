import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { type CertificateFiles } from './test-certificates';

export interface TlsProxy {
  /** `127.0.0.1:port`, where clients connect with TLS. */
  address: string;
  /** Handshakes completed with a client certificate the proxy trusts. */
  readonly authorizedHandshakes: number;
  /** Handshakes the proxy refused or a client gave up on (no, or an untrusted, client certificate; a distrusted server). */
  readonly failedHandshakes: number;
  close(): Promise<void>;
}

/**
 * A TLS-terminating TCP proxy on loopback that requires a client certificate signed by `clientCa`, and pipes the
 * decrypted bytes to the plaintext `target` (`host:port`). gRPC is HTTP/2, so plain byte piping works; the proxy must
 * agree to `h2` by ALPN, because the worker's Rust client refuses a TLS server that does not (H2NotNegotiated).
 */
export async function startTlsProxy(options: {
  server: CertificateFiles;
  clientCa: CertificateFiles;
  target: string;
}): Promise<TlsProxy> {
  const separator = options.target.lastIndexOf(':');
  const targetHost = options.target.slice(0, separator);
  const targetPort = Number(options.target.slice(separator + 1));
  const sockets = new Set<Socket>();
  let authorizedHandshakes = 0;
  let failedHandshakes = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer(
    {
      key: readFileSync(options.server.keyFile),
      cert: readFileSync(options.server.certFile),
      ca: readFileSync(options.clientCa.certFile),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client: TLSSocket) => {
      authorizedHandshakes += 1;
      const upstream = connect(targetPort, targetHost);
      track(client);
      track(upstream);
      // Either side going away takes the other with it, as a direct connection would.
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('connection', track);
  server.on('tlsClientError', () => {
    failedHandshakes += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };

  return {
    address: `127.0.0.1:${port}`,
    get authorizedHandshakes() {
      return authorizedHandshakes;
    },
    get failedHandshakes() {
      return failedHandshakes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
