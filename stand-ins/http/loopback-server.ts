import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { BodyTooLargeError, sendJson } from './http-io';

/** `closing` is aborted when the server starts closing. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, closing: AbortSignal) => Promise<void>;

export interface LoopbackServer {
  readonly server: Server;
  /** 'http://127.0.0.1:PORT' */
  readonly baseUrl: string;
  /** aborted when close() starts, so pending fault delays stop holding the process open */
  readonly closing: AbortSignal;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** An HTTP server on loopback whose close() also ends keep-alive and streaming connections. */
export async function startLoopbackServer(
  handler: RequestHandler,
  opts: { host?: string; port?: number; log?: (msg: string) => void },
): Promise<LoopbackServer> {
  const host = opts.host ?? '127.0.0.1';
  const closingController = new AbortController();
  // Every delayed (latency-faulted) request listens on this signal; under load there are many at once.
  setMaxListeners(0, closingController.signal);
  const server = createServer((req, res) => {
    handler(req, res, closingController.signal).catch((error: unknown) => {
      if (closingController.signal.aborted) {
        res.destroy();
        return;
      }
      if (error instanceof BodyTooLargeError) {
        if (!res.headersSent) sendJson(res, 413, { message: error.message });
        return;
      }
      opts.log?.(`stand-in handler failed for ${req.method ?? '?'} ${req.url ?? '?'}: ${String(error)}`);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { message: 'stand-in internal error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    server,
    baseUrl: `http://${urlHost(host)}:${port}`,
    closing: closingController.signal,
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve, reject) => {
        closingController.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
