import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export interface DelayingProxy {
  address: string;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy that holds every chunk travelling from client to server for `delayMs` before passing it on
 * (replies pass straight back), so each call through it takes at least `delayMs`. Order is kept: equal delays fire
 * in order.
 */
export async function startDelayingProxy(upstream: string, delayMs: number): Promise<DelayingProxy> {
  const [host = '127.0.0.1', port = '7233'] = upstream.split(':');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const target = connect(Number(port), host);
    for (const socket of [client, target]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        target.destroy();
      });
    }
    client.on('data', (chunk) => {
      setTimeout(() => {
        if (!target.destroyed) target.write(chunk);
      }, delayMs);
    });
    target.on('data', (chunk) => {
      if (!client.destroyed) client.write(chunk);
    });
    client.on('end', () => setTimeout(() => target.end(), delayMs));
    target.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
