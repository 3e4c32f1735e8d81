import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type TestContext } from 'node:test';
import { signSlackRequest } from '../../stand-ins/slack/slack-signature';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  form: URLSearchParams;
}

export interface GatewayAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export interface FakeGateway {
  url: string;
  received: ReceivedRequest[];
}

/** A stand-in for the app's HTTP endpoint that records what Slack sent and answers as the test says. */
export async function startFakeGateway(
  t: TestContext,
  answer: (request: ReceivedRequest) => GatewayAnswer | Promise<GatewayAnswer> = () => ({}),
): Promise<FakeGateway> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const request = { path: req.url ?? '/', headers: req.headers, rawBody, form: new URLSearchParams(rawBody) };
      received.push(request);
      const respond = async () => {
        const reply = await answer(request);
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        res.writeHead(reply.status ?? 200, reply.headers ?? {});
        res.end(reply.body ?? '');
      };
      respond().catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake gateway failed: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** What the app must check: the HMAC over the raw body, and a timestamp within five minutes. */
export function verifySlackSignature(
  request: ReceivedRequest,
  signingSecret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): 'valid' | 'bad-signature' | 'stale' | 'missing' {
  const timestamp = request.headers['x-slack-request-timestamp'];
  const signature = request.headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return 'missing';
  if (signSlackRequest(signingSecret, Number(timestamp), request.rawBody) !== signature) return 'bad-signature';
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return 'stale';
  return 'valid';
}

export function jsonAnswer(body: unknown): GatewayAnswer {
  return { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}
