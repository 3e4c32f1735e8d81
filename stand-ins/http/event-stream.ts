import { type IncomingMessage, type ServerResponse } from 'node:http';
import { CORS_HEADERS } from './http-io';

/** Server-Sent Events fan-out for the control routes (`GET /_control/events`). */
export class EventStreamHub {
  readonly #clients = new Set<ServerResponse>();

  open(req: IncomingMessage, res: ServerResponse, initial?: { event: string; data: unknown }): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...CORS_HEADERS,
    });
    res.write(': connected\n\n');
    if (initial) res.write(formatEvent(initial.data, initial.event));
    this.#clients.add(res);
    req.on('close', () => this.#clients.delete(res));
  }

  /** without `event`, browsers deliver it to EventSource.onmessage */
  send(data: unknown, event?: string): void {
    const frame = formatEvent(data, event);
    for (const client of this.#clients) client.write(frame);
  }

  get clientCount(): number {
    return this.#clients.size;
  }
}

function formatEvent(data: unknown, event: string | undefined): string {
  // JSON.stringify never emits raw newlines, so one data: line per event is enough.
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;
}
