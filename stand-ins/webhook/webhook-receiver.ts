import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { serveFaultControl } from '../http/fault-control-routes';
import { FaultInjector } from '../http/fault-injector';
import { applyFaults } from '../http/fault-response';
import { CORS_HEADERS, headerValue, readRawBody, sendJson, tryParseJson } from '../http/http-io';
import { startLoopbackServer } from '../http/loopback-server';

/** One delivery as the receiver saw it. Rejected deliveries are kept too, with the reason. */
export interface WebhookDelivery {
  at: number;
  eventId?: string;
  /** The parsed body (undefined when it was not JSON). */
  event: unknown;
  rawBody: string;
  /** True when the signature matched the documented recipe and the timestamp was fresh. */
  verified: boolean;
  /** Why it was refused (401), or undefined. */
  rejected?: string;
  /** The fault that answered it instead, if any. */
  fault?: string;
}

export interface WebhookReceiver {
  /** Where AUDIT_WEBHOOK_URL points. */
  readonly url: string;
  readonly origin: string;
  readonly faults: FaultInjector;
  readonly deliveries: WebhookDelivery[];
  /** Accepted events (verified, not faulted), in arrival order, one per event ID. */
  events(): unknown[];
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  secret: string;
  /** How old a timestamp may be (default 300 s), as a SIEM guards against replays. */
  toleranceSeconds?: number;
  host?: string;
  port?: number;
  log?: (msg: string) => void;
}

const PATH = '/audit-events';

/**
 * A SIEM-like receiver for the audit webhook on loopback. It checks each delivery the way docs/audit-trail.md tells
 * a receiver to, written here on its own (not with the product's signing code), so a test of it is an independent
 * check of the signature: HMAC-SHA256 with the shared secret over `v1:<x-jit-timestamp>:<raw body>`, hex, prefixed
 * `v1=`, compared in constant time with `x-jit-signature`, and a timestamp within the tolerance.
 */
export async function startWebhookReceiver(opts: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const faults = new FaultInjector();
  const deliveries: WebhookDelivery[] = [];
  const tolerance = opts.toleranceSeconds ?? 300;

  function verify(req: IncomingMessage, rawBody: string): string | undefined {
    const timestamp = headerValue(req, 'x-jit-timestamp');
    const signature = headerValue(req, 'x-jit-signature');
    if (!timestamp || !signature) return 'missing x-jit-timestamp or x-jit-signature';
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > tolerance) {
      return 'stale or malformed timestamp';
    }
    const expected = Buffer.from(
      `v1=${createHmac('sha256', opts.secret).update(`v1:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`,
    );
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature mismatch';
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, closing: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (await serveFaultControl(faults, req, res, url.pathname)) return;
    if (url.pathname === '/_control/events' && req.method === 'GET') {
      sendJson(res, 200, receiver.events(), CORS_HEADERS);
      return;
    }
    if (url.pathname !== PATH || req.method !== 'POST') {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    const rawBody = await readRawBody(req);
    const json = tryParseJson(rawBody);
    const delivery: WebhookDelivery = {
      at: Date.now(),
      eventId: headerValue(req, 'x-jit-event-id'),
      event: json.ok ? json.value : undefined,
      rawBody,
      verified: false,
    };
    deliveries.push(delivery);
    const effect = await applyFaults(faults, { method: 'POST', path: PATH }, res, {
      defaultBody: (status) => ({ error: `fault ${status}` }),
      signal: closing,
    });
    if (effect.terminalStatus !== undefined) {
      delivery.fault = effect.fault;
      return;
    }
    const problem = verify(req, rawBody);
    if (problem) {
      delivery.rejected = problem;
      opts.log?.(`webhook receiver: refused a delivery (${problem})`);
      sendJson(res, 401, { error: problem });
      return;
    }
    delivery.verified = true;
    sendJson(res, 200, { ok: true });
  }

  const server = await startLoopbackServer(handle, opts);
  const receiver: WebhookReceiver = {
    url: `${server.baseUrl}${PATH}`,
    origin: server.baseUrl,
    faults,
    deliveries,
    events() {
      const seen = new Set<string>();
      return deliveries
        .filter((d) => d.verified && !d.fault)
        .filter((d) => {
          const key = d.eventId ?? d.rawBody;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        })
        .map((d) => d.event);
    },
    close: () => server.close(),
  };
  return receiver;
}
